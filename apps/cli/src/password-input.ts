import { StringDecoder } from 'node:string_decoder';
import { CliError, UsageError } from './errors.ts';
import type { CliIo, InputStream, OutputStream } from './io.ts';

/** Reads one line (without its line break) from a stream; null when the input ends with nothing in it. */
export function readLine(stdin: InputStream): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    const cleanup = (): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      // Paused with no listeners, stdin no longer keeps the process alive.
      stdin.pause();
    };
    const onData = (chunk: Buffer | string): void => {
      text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      cleanup();
      resolve(text.slice(0, newline).replace(/\r$/, ''));
    };
    const onEnd = (): void => {
      text += decoder.end();
      cleanup();
      resolve(text === '' ? null : text.replace(/\r$/, ''));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}

/** Applies typed characters to a hidden entry; returns 'done' at Enter and 'cancel' at Ctrl-C. */
function typeInto(entry: { text: string }, input: string): 'more' | 'done' | 'cancel' {
  // Arrow keys and other escape sequences are editing gestures, not part of the password.
  if (input.startsWith('\u001b')) return 'more';
  for (const char of input) {
    if (char === '\r' || char === '\n') return 'done';
    if (char === '\u0003') return 'cancel';
    if (char === '\u0004') {
      if (entry.text === '') return 'cancel';
    } else if (char === '\u007f' || char === '\b') {
      entry.text = Array.from(entry.text).slice(0, -1).join('');
    } else if (char >= ' ') {
      entry.text += char;
    }
  }
  return 'more';
}

/** Asks for a secret on a terminal with echo off (raw mode), writing the prompt to `out`. */
export function promptHidden(stdin: InputStream, out: OutputStream, prompt: string): Promise<string> {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    return Promise.reject(new UsageError('stdin is not a terminal; pass the password with --password-stdin'));
  }
  out.write(prompt);
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    const entry = { text: '' };
    const onData = (chunk: Buffer | string): void => {
      const state = typeInto(entry, typeof chunk === 'string' ? chunk : decoder.write(chunk));
      if (state === 'more') return;
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      out.write('\n');
      if (state === 'done') resolve(entry.text);
      else reject(new CliError('INTERRUPTED', 'interrupted', 130));
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/**
 * The password for a command: the first line of stdin with --password-stdin, else asked on the
 * terminal without echo (twice when `confirm` is set, as registration does).
 */
export async function obtainPassword(
  io: CliIo,
  options: { fromStdin: boolean; confirm: boolean },
): Promise<string> {
  if (options.fromStdin) {
    const line = await readLine(io.stdin);
    if (!line) throw new UsageError('--password-stdin: stdin held no password');
    return line;
  }
  const password = await promptHidden(io.stdin, io.stderr, 'Password: ');
  if (options.confirm) {
    const again = await promptHidden(io.stdin, io.stderr, 'Repeat password: ');
    if (again !== password) throw new CliError('PASSWORD_MISMATCH', 'the two passwords do not match');
  }
  if (password === '') throw new UsageError('no password given');
  return password;
}

/**
 * Asks a yes/no question on a terminal; without a terminal (scripts, pipes) there is nobody to ask,
 * so the answer is yes.
 */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) return true;
  io.stderr.write(`${question} [y/N] `);
  const answer = await readLine(io.stdin);
  return /^y(es)?$/i.test(answer?.trim() ?? '');
}
