import { UsageError } from '../../errors.js';
import type { Storage, StorageOptions } from '../port.js';

/**
 * The PostgreSQL adapter. A placeholder until it is built (issue 17, the PostgreSQL half): it
 * refuses clearly, and opens nothing.
 */
export async function createPostgresStorage(_url: string, _options: StorageOptions = {}): Promise<Storage> {
  throw new UsageError('PostgreSQL support not built yet');
}
