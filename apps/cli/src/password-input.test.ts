import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors.ts';
import { confirm, promptHidden, readLine } from './password-input.ts';
import { FakeTerminal } from './test-harness.ts';

function collector() {
  const out = { text: '', write: (chunk: string) => (out.text += chunk) };
  return out;
}

describe('password input', () => {
  it('reads the first line of piped input, whatever follows', async () => {
    expect(await readLine(Readable.from(['pass wörd 1\r\nsecond line\n']))).toBe('pass wörd 1');
    expect(await readLine(Readable.from([Buffer.from('no newline at end')]))).toBe('no newline at end');
    expect(await readLine(Readable.from([]))).toBeNull();
  });

  it('keeps a multi-byte character split across chunks whole', async () => {
    const bytes = Buffer.from('pässword\n');
    expect(await readLine(Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]))).toBe('pässword');
  });

  it('reads a hidden entry in raw mode, honouring backspace and ignoring arrow keys', async () => {
    const terminal = new FakeTerminal();
    const out = collector();
    const entry = promptHidden(terminal, out, 'Password: ');
    // One chunk per keypress or paste, as a terminal delivers them.
    for (const keys of ['secrex', '\u007f', 't', '\u001b[D', '!\r']) terminal.write(keys);
    expect(await entry).toBe('secret!');
    expect(out.text).toBe('Password: \n');
    expect(terminal.rawModes).toEqual([true, false]);
  });

  it('stops at Ctrl-C with exit status 130', async () => {
    const terminal = new FakeTerminal();
    terminal.typeWhenAsked('abc\u0003');
    const error = await promptHidden(terminal, collector(), 'Password: ').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(130);
    expect(terminal.rawModes).toEqual([true, false]);
  });

  it('confirms on a terminal only; without one there is nobody to ask', async () => {
    const terminal = new FakeTerminal();
    terminal.typeWhenAsked('yes\n');
    const err = collector();
    const io = { stdout: collector(), stderr: err, env: {} };
    expect(await confirm({ ...io, stdin: terminal }, 'Sure?')).toBe(true);
    expect(err.text).toBe('Sure? [y/N] ');
    const declining = new FakeTerminal();
    declining.typeWhenAsked('\n');
    expect(await confirm({ ...io, stdin: declining }, 'Sure?')).toBe(false);
    expect(await confirm({ ...io, stdin: Readable.from([]) }, 'Sure?')).toBe(true);
  });
});
