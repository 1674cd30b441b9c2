import { InvalidArgumentError, type Command } from 'commander';
import type { LoginHistoryPage } from '@lockstep/sdk';
import { addClientOptions, clientAction, type ClientFlags } from '../context.ts';
import { historyOutcome, shortTime, table } from '../format.ts';
import { commandFor } from '../errors.ts';
import type { CliIo } from '../io.ts';

interface HistoryFlags extends ClientFlags {
  limit?: number;
  before?: number;
}

/** A commander parser for a whole number in a range; a bad value is a usage error. */
function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

/** The login history page as a table, newest first, with how to get the next page. */
export function historyTable(page: LoginHistoryPage, profileName: string): string {
  const rows = page.entries.map((e) => [
    shortTime(e.at),
    historyOutcome(e),
    e.platform ?? '-',
    e.deviceName,
    e.ip,
  ]);
  const text = table(['TIME', 'RESULT', 'PLATFORM', 'DEVICE', 'IP'], rows);
  return page.nextBefore === null
    ? text
    : `${text}older entries: ${commandFor(profileName, `history --before ${page.nextBefore}`)}\n`;
}

/** Adds `history`. */
export function addHistoryCommand(program: Command, io: CliIo): void {
  const command = program
    .command('history')
    .description("show the account's logins, successful and failed, newest first")
    .option('--limit <n>', 'how many entries (1-500, server default 50)', wholeNumber(1, 500))
    .option(
      '--before <id>',
      'entries older than this id (for paging)',
      wholeNumber(1, Number.MAX_SAFE_INTEGER),
    );
  addClientOptions(command).action(
    clientAction<HistoryFlags>(io, async (context, flags) => {
      const profile = context.loggedIn();
      const query = { limit: flags.limit, before: flags.before };
      const page = await context.call(() => context.client(profile.token).loginHistory(query), profile);
      context.output(page, () => historyTable(page, context.profileName));
    }),
  );
}
