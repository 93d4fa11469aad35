import * as m001 from './001_initial.js';

/**
 * Every PostgreSQL migration in order, numbered from 1 and forward only: a schema change is a new
 * numbered file here (and its SQLite counterpart under src/db/migrations when both must change).
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [{ version: 1, name: m001.name, sql: m001.sql }];
