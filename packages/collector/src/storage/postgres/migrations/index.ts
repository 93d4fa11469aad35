import type pg from 'pg';
import * as m001 from './001_initial.js';
import * as m030 from './030_outbox.js';
import * as m010 from './010_money_out.js';
import * as m011 from './011_ledger_heads.js';
import * as m020 from './020_integrity.js';
import * as m021 from './021_rejected_totals.js';
import * as m022 from './022_reversals_in_ledger.js';
import * as m040 from './040_click_signals.js';

/**
 * A schema step: its SQL, then (`after`) a data step in TypeScript where values are computed by the
 * domain (hashes, money: never in SQL), run in the same transaction.
 */
export interface Migration { version: number; name: string; sql: string; after?: (client: pg.ClientBase) => Promise<void> }

/**
 * Every PostgreSQL migration in order, numbered from 1 and forward only: a schema change is a new
 * numbered file here (and its SQLite counterpart under src/db/migrations when both must change).
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: m001.name, sql: m001.sql },
  { version: 10, name: m010.name, sql: m010.sql },
  { version: 11, name: m011.name, sql: m011.sql, after: m011.after },
  { version: 20, name: m020.name, sql: m020.sql },
  { version: 21, name: m021.name, sql: m021.sql, after: m021.after },
  { version: 22, name: m022.name, sql: m022.sql, after: m022.after },
  { version: 30, name: m030.name, sql: m030.sql },
  { version: 40, name: m040.name, sql: m040.sql },
];
