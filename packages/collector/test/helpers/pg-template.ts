import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { openStorage } from '../../src/storage/open.js';
import { adminQuery, SCHEMA_PRINT } from './pg-admin.js';

/**
 * Global setup of the `collector-pg` project: one database migrated once per run, the template that
 * `freshDatabase({ migrated: true })` copies (`CREATE DATABASE … TEMPLATE`, about 0.2 s) instead
 * of migrating every test collector's database anew (about 0.7–1 s each on this machine). Tests of
 * migrations, first start and `db copy` still get empty databases. Dropped after the run.
 * Also its schema print (`pgTemplatePrint`), read here while the template still takes connections:
 * backend.ts compares a used copy's print with it to tell whether the copy can be emptied and reused.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = process.env.AFFIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `affil_tpl_${randomBytes(6).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  let print: string;
  try {
    const storage = await openStorage(url.toString());
    await storage.close();
    const [printed] = await adminQuery(url.toString(), SCHEMA_PRINT);
    if (typeof printed?.print !== 'string') throw new Error(`no schema print of the template ${name}`);
    print = printed.print;
  } catch (error) {
    // A failed setup returns no teardown: drop the half-made template here, not leave it on the server.
    await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw error;
  }
  // A template must have no sessions when it is copied: mark it so, and let nobody else connect.
  await adminQuery(server, `ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  project.provide('pgTemplate', name);
  project.provide('pgTemplatePrint', print);
  return async () => {
    await adminQuery(server, `ALTER DATABASE ${name} WITH IS_TEMPLATE false`);
    await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: string;
    /** The template's schema print (SCHEMA_PRINT in pg-admin.ts). */
    pgTemplatePrint: string;
  }
}
