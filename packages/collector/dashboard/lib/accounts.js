// The admin's list of accounts with their tracking IDs; each can narrow the whole dashboard.
import { h, messageRow } from './dom.js';
import { formatDateTime } from './format.js';

/** Names more than one account has (trimmed, any case): the API allows it, so the page warns. */
function sharedNames(accounts) {
  const seen = new Map();
  for (const a of accounts) {
    const name = a.name.trim().toLowerCase();
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return (a) => seen.get(a.name.trim().toLowerCase()) > 1;
}

export function accountRows(accounts, tagsByAccount, selected) {
  if (accounts.length === 0) return [messageRow(5, 'No accounts yet: create one with `affil accounts create NAME` or POST /v1/accounts.')];
  const shared = sharedNames(accounts);
  return accounts.map((a) => {
    const tags = tagsByAccount.get(a.id) ?? [];
    const showing = a.id === selected;
    return h('tr', { className: showing ? 'selected' : '', dataset: { accountId: a.id, testid: 'account-row' } },
      h('th', { scope: 'row' }, a.name, shared(a)
        ? h('span', { className: 'badge warn', textContent: 'same name as another account', dataset: { testid: 'duplicate-name' } })
        : null),
      h('td', { className: 'mono', textContent: a.id }),
      h('td', { textContent: tags.length === 0 ? '–' : tags.map((t) => `${t.tag} (${t.marketplace})`).join(', ') }),
      h('td', { className: 'nowrap', textContent: formatDateTime(a.createdAt) }),
      h('td', { className: 'actions' }, h('button', {
        type: 'button', className: 'toggle', textContent: showing ? 'Show all' : 'Show only',
        dataset: { action: 'filter-account', accountId: showing ? '' : a.id },
      })));
  });
}

/** The options of the account filter: every account, then each one. */
export function accountOptions(accounts) {
  const shared = sharedNames(accounts);
  return [h('option', { value: '', textContent: 'All accounts' }), ...accounts.map((a) => h('option', { value: a.id, textContent: shared(a) ? `${a.name} (${a.id})` : a.name }))];
}
