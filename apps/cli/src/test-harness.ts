import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import type { InputStream, OutputStream } from './io.ts';
import { run } from './run.ts';

/** What one in-process run of the command line printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where a test run's stdin comes from: piped text, or a stream such as a FakeTerminal. */
export interface RunOptions {
  input?: string;
  stdin?: InputStream;
}

/** How often a test looks at a background command's output; short, so waiting adds no delay. */
const outputPollMs = 5;

/** A command running in-process in the background: its output so far, and its result once it ends. */
export class BackgroundRun {
  stdout = '';
  stderr = '';
  /** Set once the command has ended. */
  finished: RunResult | undefined;
  readonly result: Promise<RunResult>;

  constructor(start: (stdout: OutputStream, stderr: OutputStream) => Promise<number>) {
    this.result = start(
      { write: (text: string) => (this.stdout += text) },
      { write: (text: string) => (this.stderr += text) },
    ).then((code) => {
      this.finished = { code, stdout: this.stdout, stderr: this.stderr };
      return this.finished;
    });
  }

  /**
   * Resolves with the first match of `pattern` in stderr once the command has printed it; fails if
   * the command ends first, showing what it printed instead of leaving the test to time out.
   */
  stderrMatch(pattern: RegExp): Promise<RegExpExecArray> {
    return this.match('stderr', pattern);
  }

  /** The same for stdout (a live view such as `watch`). */
  stdoutMatch(pattern: RegExp): Promise<RegExpExecArray> {
    return this.match('stdout', pattern);
  }

  private async match(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this[stream]);
      if (match) return match;
      if (this.finished) {
        const { code } = this.finished;
        throw new Error(
          `the command ended (exit ${code}) without printing ${String(pattern)}:\n${this[stream]}\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, outputPollMs));
    }
  }
}

/** A config folder of its own and a server, for running `lockstep` commands in-process. */
export class CliHarness {
  readonly configDir = mkdtempSync(join(tmpdir(), 'lockstep-cli-test-'));

  constructor(readonly serverUrl: string) {}

  /** Runs one command line; `input` is what stdin holds (a pipe, not a terminal) unless `stdin` is given. */
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return this.start(argv, options).result;
  }

  /**
   * Starts one command line without waiting for it, for commands that wait on another device (a QR
   * login): the test reads what it has printed so far while acting as that other device.
   */
  start(argv: string[], options: RunOptions = {}): BackgroundRun {
    return new BackgroundRun((stdout, stderr) =>
      run(argv, {
        stdout,
        stderr,
        stdin: options.stdin ?? Readable.from(options.input === undefined ? [] : [options.input]),
        env: { LOCKSTEP_CONFIG_DIR: this.configDir, LOCKSTEP_SERVER: this.serverUrl },
      }),
    );
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

/**
 * Registers the usual lifecycle of a CLI suite: one server for the suite and a fresh harness (its
 * own profile folder) for each test; `use` receives both whenever they change.
 */
export function useCliServer(use: (current: { server: TestServer; cli: CliHarness }) => void): void {
  let server: TestServer;
  let cli: CliHarness;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });
  beforeEach(() => {
    cli = new CliHarness(server.url);
    use({ server, cli });
  });
  afterEach(() => {
    cli.dispose();
  });
}
