import type { Command } from 'commander';
import type { SessionView } from '@lockstep/sdk';
import { addClientOptions, clientAction } from '../context.ts';
import { shortTime, table } from '../format.ts';
import type { CliIo } from '../io.ts';

/** The device list as a table, `*` marking the device this profile is. */
export function devicesTable(sessions: readonly SessionView[]): string {
  const rows = sessions.map((s) => [
    s.current ? '*' : '',
    s.id,
    s.platform,
    s.deviceName,
    s.ip,
    shortTime(s.createdAt),
    shortTime(s.lastActiveAt),
  ]);
  const headers = ['', 'ID', 'PLATFORM', 'DEVICE', 'IP', 'CREATED', 'LAST ACTIVE'];
  return `${table(headers, rows)}(* this device; times in UTC)\n`;
}

/** Adds `devices`. */
export function addDevicesCommand(program: Command, io: CliIo): void {
  const command = program.command('devices').description("list the account's logged-in devices (sessions)");
  addClientOptions(command).action(
    clientAction(io, async (context) => {
      const profile = context.loggedIn();
      const response = await context.call(() => context.client(profile.token).sessions(), profile);
      context.output(response, () => devicesTable(response.sessions));
    }),
  );
}
