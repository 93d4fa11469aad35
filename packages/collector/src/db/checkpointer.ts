import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/*
 * SQLite's automatic WAL checkpoint runs inside whichever commit crosses the threshold, so
 * every ~80th order or few hundredth beacon paid several milliseconds for copying pages back
 * into the database file. Instead the main connection never checkpoints on commit, and this
 * worker thread, with its own connection, checkpoints in PASSIVE mode (never blocking the
 * writer) once a second. Plain CommonJS because it runs through `eval`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file);
  db.pragma('busy_timeout = 1000');
} catch (error) {
  // The main connection keeps working; without this worker the WAL just grows until close.
  parentPort.postMessage('failed: ' + error.message);
}
const timer = setInterval(() => {
  try { if (db) db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* busy: the next tick retries */ }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  if (db) db.close();
  parentPort.postMessage('stopped');
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 1000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.unref();
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        worker.on('message', (m) => m === 'stopped' && void worker.terminate().then(() => resolve()));
        worker.once('error', () => resolve());
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      return stopping;
    },
  };
}
