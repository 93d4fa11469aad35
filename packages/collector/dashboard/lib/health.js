// Link health: clicks that can never earn because of their tag — one nobody registered, a
// malformed one (often a real tag cut short when the link was copied) or a tag used on another
// marketplace's link — per tag and source page, so the publisher knows which link to fix.
import { h, messageRow } from './dom.js';
import { formatCount, formatDateTime } from './format.js';

const COLUMN_COUNT = 6;

/** The report's CSV columns, in the collector's order, for a download of filtered rows. */
export const HEALTH_CSV_COLUMNS = ['tag', 'page', 'problem', 'linkMarketplace', 'tagMarketplace', 'clicks', 'lastSeen', 'suggestion', 'account'];

/** The report's problem codes in plain words: a short label and what it means for the reader. */
export const PROBLEMS = {
  unregistered_tag: ['Unregistered tag', 'No account has this tracking ID, so its clicks earn nothing.'],
  malformed_tag: ['Malformed tag', 'Not a valid tracking ID: often a real one cut short when the link was copied.'],
  wrong_marketplace: ['Wrong marketplace', 'The tag is registered for another marketplace than the one the link goes to.'],
};

/**
 * The rows the dashboard's account filter keeps. The report itself takes no account: the admin
 * gets every account's rows, plus tags nobody owns (account null), which no account filter keeps.
 */
export function rowsForAccount(rows, account) {
  return account ? rows.filter((r) => r.account === account) : rows;
}

/** Clicks lost in total and per problem, as the report's `totals`, for whichever rows are shown. */
export function healthTotals(rows) {
  const sum = (problem) => rows.filter((r) => r.problem === problem).reduce((n, r) => n + r.clicks, 0);
  return {
    clicks: rows.reduce((n, r) => n + r.clicks, 0),
    unregisteredTag: sum('unregistered_tag'),
    malformedTag: sum('malformed_tag'),
    wrongMarketplace: sum('wrong_marketplace'),
  };
}

const plural = (n, one, many) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** "3 clicks lost to tag problems" and which problems, or "All links healthy". */
export function healthSummary(totals) {
  if (totals.clicks === 0) {
    return [h('strong', { textContent: 'All links healthy' }), h('span', { className: 'muted', textContent: ' · every click in this period carried a working tag.' })];
  }
  const parts = [
    totals.malformedTag > 0 && `malformed tag: ${formatCount(totals.malformedTag)}`,
    totals.unregisteredTag > 0 && `unregistered tag: ${formatCount(totals.unregisteredTag)}`,
    totals.wrongMarketplace > 0 && `wrong marketplace: ${formatCount(totals.wrongMarketplace)}`,
  ].filter(Boolean);
  return [
    h('strong', { textContent: `${plural(totals.clicks, 'click', 'clicks')} lost to tag problems` }),
    h('span', { className: 'muted', textContent: ` · ${parts.join(' · ')}` }),
  ];
}

function tagCell(row) {
  return h('th', { scope: 'row', className: 'tag' },
    h('span', { className: 'mono', textContent: row.tag }),
    row.suggestion
      ? h('span', { className: 'suggestion', dataset: { testid: 'health-suggestion' } }, 'did you mean ', h('code', { textContent: row.suggestion }), '?')
      : null);
}

function problemCell(row) {
  const [label, meaning] = PROBLEMS[row.problem] ?? [row.problem, ''];
  return h('td', { className: 'problem' },
    h('span', { className: 'badge warn', textContent: label, title: row.problem }),
    meaning ? h('span', { className: 'hint', textContent: meaning }) : null);
}

/**
 * A source page comes from a beacon, which anyone can send: shown as text without the scheme, not
 * as a link, so the table cannot hand the reader a planted URL to click. Clicks without one (a
 * `/go` link, a beacon that sent none) have page null.
 */
function pageCell(page) {
  if (page === null || page === undefined) return h('td', { className: 'page muted', textContent: '–', title: 'No source page was sent' });
  return h('td', { className: 'page', title: page, textContent: String(page).replace(/^https?:\/\//, '') });
}

/** Where the link goes and what the tag is registered for; a mismatch is the problem itself. */
function marketplaceCell(row) {
  const differs = row.tagMarketplace !== null && row.linkMarketplace !== row.tagMarketplace;
  return h('td', { className: differs ? 'nowrap mismatch' : 'nowrap' },
    h('span', { textContent: `link ${row.linkMarketplace ?? '–'}` }),
    h('span', { className: 'muted', textContent: ' · ' }),
    h('span', { textContent: `tag ${row.tagMarketplace ?? '–'}` }));
}

export function healthRows(rows) {
  if (rows.length === 0) return [messageRow(COLUMN_COUNT, 'No tag problems in this period.')];
  return rows.map((r) =>
    h('tr', { dataset: { testid: 'health-row', tag: r.tag, page: r.page ?? '', problem: r.problem } },
      tagCell(r),
      problemCell(r),
      pageCell(r.page),
      marketplaceCell(r),
      h('td', { className: 'num', textContent: formatCount(r.clicks), dataset: { value: String(r.clicks), testid: 'health-clicks' } }),
      h('td', { className: 'nowrap', textContent: formatDateTime(r.lastSeen) }),
    ));
}
