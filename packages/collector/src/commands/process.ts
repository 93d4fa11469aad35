/** The slice of `process` the CLI uses, so tests can run it without spawning. */
export interface CliProcess {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

