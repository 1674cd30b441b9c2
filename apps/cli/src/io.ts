/** Where output goes; process.stdout, process.stderr and test buffers all fit. */
export interface OutputStream {
  write(text: string): unknown;
}

/** The standard input; on a terminal it can switch echo off (raw mode) for password prompts. */
export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Everything a command reads from or writes to the outside world, so tests can run it in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  env: Record<string, string | undefined>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
