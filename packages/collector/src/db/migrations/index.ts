import * as m001 from './001_initial.js';
import * as m002 from './002_daily_totals.js';
import * as m003 from './003_delivery_content.js';
import * as m004 from './004_line_pending.js';
import * as m030 from './030_outbox.js';
import * as m010 from './010_money_out.js';
import * as m011 from './011_ledger_heads.js';
import * as m020 from './020_integrity.js';
import * as m021 from './021_rejected_totals.js';
import * as m022 from './022_reversals_in_ledger.js';
import * as m040 from './040_click_signals.js';

/**
 * A schema step: its SQL, then (`after`) a data step in TypeScript where values are computed by the
 * domain (money never in SQL), run in the same transaction. Keys name the step in database.ts.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  after?: 'daily_totals' | 'line_pending' | 'ledger_chain' | 'rejected_totals';
  /** Rebuilds a table others reference: foreign keys off while it runs, checked before it commits (SQLite's own procedure). */
  rebuildsTables?: true;
}

/** Every migration in order. Forward only: a new schema change is a new numbered file here. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: m001.name, sql: m001.sql },
  { version: 2, name: m002.name, sql: m002.sql, after: 'daily_totals' },
  { version: 3, name: m003.name, sql: m003.sql },
  { version: 4, name: m004.name, sql: m004.sql, after: 'line_pending' },
  { version: 10, name: m010.name, sql: m010.sql },
  { version: 11, name: m011.name, sql: m011.sql, after: 'ledger_chain' },
  { version: 20, name: m020.name, sql: m020.sql },
  { version: 21, name: m021.name, sql: m021.sql, after: 'rejected_totals' },
  { version: 22, name: m022.name, sql: m022.sql, after: 'ledger_chain', rebuildsTables: true },
  { version: 30, name: m030.name, sql: m030.sql },
  { version: 40, name: m040.name, sql: m040.sql },
];
