import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { LockstepClient } from '@lockstep/sdk';
import type { CliIo } from '../io.ts';
import { ExitError, reportError } from '../errors.ts';
import { printable, shortTime } from '../format.ts';

interface AdminFlags {
  data: string;
  server: string;
  json?: boolean;
}

/**
 * Adds `admin` (F4): operator commands. They act with the operator token in the server's data
 * folder, so only someone who can read that folder can run them. `audit` and `mail` read the data
 * folder directly and need the server's modules, which are loaded only when they run.
 */
export function addAdminCommand(program: Command, io: CliIo): void {
  const admin = program.command('admin').description('operator commands: deposit, unlock, kyc, audit, mail');
  const defaults = (command: Command): Command =>
    command
      .option('--data <dir>', 'the server data folder (env LOCKSTEP_DATA)', io.env.LOCKSTEP_DATA ?? './data')
      .option('--server <url>', 'the running server', io.env.LOCKSTEP_SERVER ?? 'http://127.0.0.1:8080')
      .option('--json', 'machine-readable output');

  defaults(
    admin.command('deposit').description('credit a test deposit to an account (idempotent per --tx-id)'),
  )
    .requiredOption('--email <email>', 'the account')
    .requiredOption('--asset <code>', 'e.g. USDT')
    .requiredOption('--amount <decimal>', 'e.g. 1000')
    .option('--tx-id <id>', 'the chain transaction id; a repeat credits nothing')
    .action(async (flags: AdminFlags & { email: string; asset: string; amount: string; txId?: string }) => {
      const token = await operatorToken(io, flags.data);
      const client = new LockstepClient({ baseUrl: flags.server });
      try {
        const result = await client.adminDeposit(token, {
          email: flags.email,
          asset: flags.asset,
          amount: flags.amount,
          ...(flags.txId ? { txId: flags.txId } : {}),
        });
        const line = result.credited
          ? `Credited ${flags.amount} ${flags.asset} to ${flags.email}; free ${result.balance.free}, locked ${result.balance.locked}\n`
          : `Already credited (same tx id); free ${result.balance.free}\n`;
        io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : line);
      } catch (error) {
        throw new ExitError(reportError(io, error, flags.json === true));
      }
    });

  defaults(admin.command('unlock').description("lift an account's failed-login lock (A7)"))
    .requiredOption('--email <email>', 'the account')
    .action(async (flags: AdminFlags & { email: string }) => {
      const token = await operatorToken(io, flags.data);
      const client = new LockstepClient({ baseUrl: flags.server });
      try {
        const result = await client.adminUnlock(token, { email: flags.email });
        const lines = [`Unlocked login of ${printable(result.email)}`];
        if (result.passwordResetRequired) {
          // The operator lifts the lock of failed logins only; the intruder may know the password.
          lines.push(
            'The account stays locked after "Not me" until its owner resets the password from the emailed link.',
          );
        }
        io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${lines.join('\n')}\n`);
      } catch (error) {
        throw new ExitError(reportError(io, error, flags.json === true));
      }
    });

  defaults(admin.command('kyc').description("set an account's KYC status; every device sees it at once"))
    .requiredOption('--email <email>', 'the account')
    .requiredOption('--status <status>', 'none, pending, verified or rejected')
    .option('--level <n>', 'verification level 0-3 (verified accounts; 1 by default)')
    .action(async (flags: AdminFlags & { email: string; status: string; level?: string }) => {
      const token = await operatorToken(io, flags.data);
      const client = new LockstepClient({ baseUrl: flags.server });
      try {
        const result = await client.request<{ email: string; kyc: { status: string; level: number } }>(
          'POST',
          '/v1/admin/kyc',
          {
            email: flags.email,
            status: flags.status,
            ...(flags.level === undefined ? {} : { level: Number(flags.level) }),
          },
          { 'x-lockstep-admin-token': token },
        );
        const line = `KYC of ${printable(result.email)}: ${result.kyc.status}, level ${result.kyc.level}\n`;
        io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : line);
      } catch (error) {
        throw new ExitError(reportError(io, error, flags.json === true));
      }
    });

  defaults(
    admin
      .command('audit')
      .description('rebuild the engine from the store and check every balance (exit 1 on any discrepancy)'),
  )
    .option('--postgres <url>', 'audit a PostgreSQL store instead of the data folder')
    .action(async (flags: AdminFlags & { postgres?: string }) => {
      const server = await import('@lockstep/server');
      const outcome = await server.auditStore({ dataDir: flags.data, postgresUrl: flags.postgres });
      if (flags.json) io.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
      else {
        io.stdout.write(
          `${outcome.ok ? 'clean' : 'DISCREPANCIES'}: journal at ${outcome.journalSeq}, ${outcome.balancesChecked} balances and ${outcome.openOrdersChecked} open orders checked\n`,
        );
        for (const problem of outcome.problems) io.stdout.write(`  ${problem}\n`);
      }
      if (!outcome.ok) throw new ExitError(1);
    });

  admin
    .command('mail')
    .description('show the development mailbox: the mail a server without SMTP would have sent')
    .option('--data <dir>', 'the server data folder (env LOCKSTEP_DATA)', io.env.LOCKSTEP_DATA ?? './data')
    .option('--to <email>', 'only mail to this address')
    .option('--limit <n>', 'only the newest n mails', positiveWhole)
    .option('--json', 'machine-readable output')
    .action(async (flags: { data: string; to?: string; limit?: number; json?: boolean }) => {
      const server = await import('@lockstep/server');
      const mails = server.readMailbox(flags.data, { to: flags.to, limit: flags.limit });
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(mails, null, 2)}\n`);
        return;
      }
      if (mails.length === 0) {
        io.stdout.write(`no mail in ${printable(join(flags.data, server.mailboxFile))}\n`);
        return;
      }
      // Mail bodies may carry anything a sender put in them, terminal escape sequences included.
      const blocks = mails.map((mail) =>
        [
          `time:    ${printable(shortTime(mail.sentAt))} UTC`,
          `to:      ${printable(mail.to)}`,
          `subject: ${printable(mail.subject)}`,
          '',
          ...mail.text.trimEnd().split(/\r?\n/).map(printable),
        ].join('\n'),
      );
      io.stdout.write(`${blocks.join('\n\n\n')}\n`);
    });
}

/**
 * The operator token in the server's data folder: whoever can read that folder is the operator.
 * A missing one is reported here, since it usually means a wrong --data.
 */
async function operatorToken(io: CliIo, dataDir: string): Promise<string> {
  const server = await import('@lockstep/server');
  try {
    return server.readAdminToken(dataDir);
  } catch {
    io.stderr.write(
      `error: no readable admin-token in ${dataDir}; pass the server's data folder with --data\n`,
    );
    throw new ExitError(1);
  }
}

/** A commander parser for --limit; anything but a whole number from 1 is a usage error. */
function positiveWhole(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError('must be a whole number from 1');
  }
  return value;
}
