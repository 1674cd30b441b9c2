import type { Command } from 'commander';
import { LockstepClient } from '@lockstep/sdk';
import type { CliIo } from '../io.ts';
import { ExitError, reportError } from '../errors.ts';

interface AdminFlags {
  data: string;
  server: string;
  json?: boolean;
}

/**
 * Adds `admin` (F4): operator commands. They act with the operator token in the server's data
 * folder, so only someone who can read that folder can run them. `audit` reads the store
 * directly and needs the server's modules, which are loaded only when `admin` is named.
 */
export function addAdminCommand(program: Command, io: CliIo): void {
  const admin = program.command('admin').description('operator commands: deposit, audit');
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
      const server = await import('@lockstep/server');
      let token: string;
      try {
        token = server.readAdminToken(flags.data);
      } catch {
        io.stderr.write(
          `error: no readable admin-token in ${flags.data}; pass the server's data folder with --data\n`,
        );
        throw new ExitError(1);
      }
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
}
