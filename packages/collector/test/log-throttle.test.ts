import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttledLog } from '../src/log-throttle.js';
import { isStorageFailure } from '../src/services/write-health.js';
import { isSqliteFailure } from '../src/storage/sqlite.js';
import { StorageUnavailable } from '../src/errors.js';

afterEach(() => vi.useRealTimers());

describe('throttledLog', () => {
  it('writes each distinct line once per interval, then how often it came again', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const log = throttledLog((m) => lines.push(m), { intervalMs: 60_000 });
    for (let i = 0; i < 1000; i++) log('error: storage: SQLITE_FULL: database or disk is full');
    log('other');
    expect(lines).toEqual(['error: storage: SQLITE_FULL: database or disk is full', 'other']);
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(2)).toEqual(['error: storage: SQLITE_FULL: database or disk is full (repeated 999 more times in the last 60 s)']);
    // A new interval: the line is written again when it comes again, and nothing is said for quiet lines.
    log('error: storage: SQLITE_FULL: database or disk is full');
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(4);
    log('x');
    log('x');
    log.flush();
    expect(lines.slice(4)).toEqual(['x', 'x (repeated 1 more time in the last 60 s)']);
    log.stop();
  });
});

describe('isSqliteFailure (the SQLite adapter turns these into StorageUnavailable)', () => {
  it.each([
    [{ code: 'SQLITE_FULL' }, true],
    [{ code: 'SQLITE_IOERR_WRITE' }, true],
    [{ code: 'SQLITE_READONLY' }, true],
    [{ code: 'SQLITE_BUSY' }, true],
    [{ code: 'ENOSPC' }, true],
    [{ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }, false],
    [{ code: 'SQLITE_ERROR' }, false],
    [{ code: 'ERR_INVALID_ARG_TYPE' }, false],
    [new TypeError('x'), false],
    [null, false],
  ])('%j: %s', (error, expected) => {
    expect(isSqliteFailure(error)).toBe(expected);
  });
});

describe('isStorageFailure', () => {
  it('is true for what adapters throw when the store cannot serve, and only that', () => {
    expect(isStorageFailure(new StorageUnavailable('database or disk is full', { reason: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageFailure(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe(false);
    expect(isStorageFailure(null)).toBe(false);
  });
});
