import * as m001 from './001_initial.js';
import * as m002 from './002_daily_totals.js';
import * as m003 from './003_delivery_content.js';

/** Every migration in order. Forward only: a new schema change is a new numbered file here. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: m001.name, sql: m001.sql },
  { version: 2, name: m002.name, sql: m002.sql },
  { version: 3, name: m003.name, sql: m003.sql },
];
