// The admin's list of accounts with their tracking IDs; each can narrow the whole dashboard.
import { h, messageRow } from './dom.js';
import { formatDateTime } from './format.js';

export function accountRows(accounts, tagsByAccount, selected) {
  if (accounts.length === 0) return [messageRow(5, 'No accounts yet: create one with `affil accounts create NAME` or POST /v1/accounts.')];
  return accounts.map((a) => {
    const tags = tagsByAccount.get(a.id) ?? [];
    const showing = a.id === selected;
    return h('tr', { className: showing ? 'selected' : '', dataset: { accountId: a.id, testid: 'account-row' } },
      h('th', { scope: 'row', textContent: a.name }),
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
  return [h('option', { value: '', textContent: 'All accounts' }), ...accounts.map((a) => h('option', { value: a.id, textContent: a.name }))];
}
