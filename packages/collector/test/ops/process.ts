import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/affil.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the built `affil serve` as a real process (tests of crashes and signals need one).
 * `fileSizeBlocks` caps the size of any file it writes (RLIMIT_FSIZE, in the shell's 512-byte
 * blocks): past it writes fail as on a full disk, without needing a disk to fill.
 */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv, options: { fileSizeBlocks?: number } = {}): Promise<ServeProcess> {
  const argv = [BIN, 'serve', '--port', '0', ...args];
  const child = options.fileSizeBlocks === undefined
    ? spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('sh', ['-c', `ulimit -f ${options.fileSizeBlocks} && exec "$0" "$@"`, process.execPath, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`affil serve did not start: ${out}`)), 15_000);
    const check = () => {
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`affil serve exited: ${out}`)));
  });
  return { child, url, output: () => out, exited };
}
