import type { Command } from 'commander';
import type { QrRequestView } from '@lockstep/sdk';
import { addClientOptions, clientAction, type ClientFlags, type CommandContext } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { printable, shortTime } from '../format.ts';
import type { CliIo } from '../io.ts';
import { readLine } from '../password-input.ts';

interface QrApproveFlags extends ClientFlags {
  code: string;
  yes?: boolean;
}

/** What `qr approve --json` prints: the device that asked, and that it was let in. */
export interface QrApproveOutput {
  request: QrRequestView;
  approved: true;
}

/** The device that asks, as its owner should see it before saying yes. */
function describeRequest(email: string, request: QrRequestView): string {
  // Every field was sent by the device that showed the code, which may be anyone's.
  return [
    `A device asks to be logged in to ${email}:`,
    `  platform  ${printable(request.platform)}`,
    `  device    ${printable(request.deviceName)}`,
    `  browser   ${printable(request.browser)}`,
    `  IP        ${printable(request.ip)}`,
    `  time      ${printable(shortTime(request.at))} UTC`,
    '',
  ].join('\n');
}

/**
 * Asks on stdin whether to go on. Unlike the logout prompt, an answer is required even when stdin
 * is not a terminal: letting a device into the account is never assumed, and scripts pass --yes.
 */
async function approvedByOwner(io: CliIo, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const answer = await readLine(io.stdin);
  // A terminal echoed the answer and its Enter; piped input did not, so end the prompt's line here.
  if (!io.stdin.isTTY) io.stderr.write('\n');
  return /^y(es)?$/i.test(answer?.trim() ?? '');
}

/** Scans a QR login code with this profile's session, asks its owner, then confirms it. */
async function approveQrLogin(context: CommandContext, flags: QrApproveFlags): Promise<void> {
  if (context.json && !flags.yes) throw new UsageError('--json needs --yes: there is nobody to ask');
  const profile = context.loggedIn();
  const client = context.client(profile.token);
  // Scanning logs no one in; it shows which device asks and reserves the code for this account.
  const { request } = await context.call(() => client.scanQr(flags.code), profile);
  const email = profile.email ?? 'your account';
  if (!context.json) context.io.stdout.write(describeRequest(email, request));
  if (!flags.yes && !(await approvedByOwner(context.io, `Log this device in to ${email}?`))) {
    throw new CliError('CANCELLED', 'Not approved');
  }
  const approved = await context.call(() => client.approveQr(flags.code), profile);
  const output: QrApproveOutput = { request: approved.request, approved: true };
  context.output(
    output,
    () =>
      `Approved: ${printable(approved.request.deviceName)} (${printable(approved.request.platform)}) is logging in\n`,
  );
}

/** Adds `qr approve`: this profile, as the trusted phone, lets a device that shows a QR code log in (A3). */
export function addQrCommand(program: Command, io: CliIo): void {
  const qr = program.command('qr').description('QR login: approve a device that shows a QR code');
  const approve = qr
    .command('approve')
    .description("log in the device that shows this code, to this profile's account")
    .argument('<code>', 'the code under the QR picture, lockstep-qr:…')
    .option('-y, --yes', 'approve without asking');
  const action = clientAction<QrApproveFlags>(io, approveQrLogin);
  addClientOptions(approve).action((code: string, flags: Omit<QrApproveFlags, 'code'>) =>
    action({ ...flags, code }),
  );
}
