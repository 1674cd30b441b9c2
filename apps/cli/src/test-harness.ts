import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { InputStream } from './io.ts';
import { run } from './run.ts';

/** What one in-process run of the command line printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A config folder of its own and a server, for running `lockstep` commands in-process. */
export class CliHarness {
  readonly configDir = mkdtempSync(join(tmpdir(), 'lockstep-cli-test-'));

  constructor(readonly serverUrl: string) {}

  /** Runs one command line; `input` is what stdin holds (a pipe, not a terminal) unless `stdin` is given. */
  async run(argv: string[], options: { input?: string; stdin?: InputStream } = {}): Promise<RunResult> {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: options.stdin ?? Readable.from(options.input === undefined ? [] : [options.input]),
      env: { LOCKSTEP_CONFIG_DIR: this.configDir, LOCKSTEP_SERVER: this.serverUrl },
    });
    return { code, stdout, stderr };
  }

  /** Runs a command with --json and parses its one document. */
  async json<T>(
    argv: string[],
    options: { input?: string } = {},
  ): Promise<{ code: number; body: T; stderr: string }> {
    const result = await this.run([...argv, '--json'], options);
    return { code: result.code, body: JSON.parse(result.stdout) as T, stderr: result.stderr };
  }

  dispose(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/** A stand-in terminal: stdin that reports isTTY, records raw mode, and is fed keystrokes by hand. */
export class FakeTerminal extends PassThrough implements InputStream {
  readonly isTTY = true;
  rawModes: boolean[] = [];

  setRawMode(mode: boolean): this {
    this.rawModes.push(mode);
    return this;
  }

  /** Sends keystrokes once the command is listening, as a person typing after the prompt would. */
  typeWhenAsked(...lines: string[]): void {
    let next = 0;
    this.on('resume', () => {
      const line = lines[next++];
      if (line !== undefined) setImmediate(() => this.write(line));
    });
  }
}
