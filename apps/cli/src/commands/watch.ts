import { join } from 'node:path';
import type { Command } from 'commander';
import WebSocket from 'ws';
import {
  LockstepClient,
  type AccountEvent,
  type AccountState,
  type LiveAccount,
  type NotificationView,
} from '@lockstep/sdk';
import { fileStorage } from '@lockstep/sdk/file-storage';
import { addClientOptions, clientAction, userAgent, type CommandContext } from '../context.ts';
import { ExitError } from '../errors.ts';
import { printable, table } from '../format.ts';
import type { CliIo } from '../io.ts';

/** Exit status when the watched device is signed out (the reason is printed). */
const signedOutExit = 3;

const clock = (iso: string): string => iso.slice(11, 19);

/** Balances that hold something, and open orders, as the first screen shows them. */
export function overview(state: AccountState): string {
  const balances = state.balances.filter((b) => Number(b.free) !== 0 || Number(b.locked) !== 0);
  const lines = [
    balances.length === 0
      ? 'Balances: none\n'
      : `Balances:\n${table(
          ['ASSET', 'FREE', 'LOCKED'],
          balances.map((b) => [b.asset, b.free, b.locked]),
        )}`,
    state.openOrders.length === 0
      ? 'Open orders: none\n'
      : `Open orders:\n${table(
          ['ID', 'SYMBOL', 'SIDE', 'TYPE', 'PRICE', 'QTY', 'FILLED', 'STATUS'],
          state.openOrders.map((o) => [
            String(o.orderId),
            o.symbol,
            o.side,
            o.type,
            o.price,
            o.origQty,
            o.executedQty,
            o.status,
          ]),
        )}`,
    `Notifications: ${state.unreadNotifications} unread\n`,
  ];
  return lines.join('');
}

/** One line for an event that changes what `watch` shows, or undefined for the others. */
export function describeEvent(event: AccountEvent): string | undefined {
  const at = clock(event.at);
  switch (event.type) {
    case 'balance.updated': {
      const b = event.data.balance;
      return `${at} balance ${b.asset}: free ${b.free}, locked ${b.locked}`;
    }
    case 'order.updated': {
      const o = event.data.order;
      const price = o.type === 'MARKET' ? 'market' : `@ ${o.price}`;
      return `${at} order ${o.orderId} ${o.side} ${o.origQty} ${o.symbol} ${o.type} ${price}: ${o.status} (filled ${o.executedQty})`;
    }
    case 'trade.executed': {
      const t = event.data.trade;
      return `${at} fill ${t.symbol} ${t.side} ${t.qty} @ ${t.price}`;
    }
    case 'deposit.updated':
      return `${at} deposit ${event.data.deposit.amount} ${event.data.deposit.asset}: ${event.data.deposit.status}`;
    case 'withdrawal.updated':
      return `${at} withdrawal ${event.data.withdrawal.amount} ${event.data.withdrawal.asset}: ${event.data.withdrawal.status}`;
    case 'notification.read':
      return `${at} notifications read elsewhere; ${event.data.unread} unread`;
    // The rest (sessions, security, keys, preferences, lists, alerts, KYC, new notifications) are
    // not on this view; a new notification prints through the notification listener.
    case 'session.created':
    case 'session.revoked':
    case 'security.updated':
    case 'security.alert':
    case 'api_key.updated':
    case 'api_key.deleted':
    case 'kyc.updated':
    case 'preferences.updated':
    case 'watchlist.updated':
    case 'watchlist.deleted':
    case 'price_alert.updated':
    case 'price_alert.deleted':
    case 'notification.created':
      return undefined;
  }
}

/** Adds `watch`: a live view of balances, open orders and notifications. */
export function addWatchCommand(program: Command, io: CliIo): void {
  const command = program
    .command('watch')
    .description(
      'show balances, open orders and notifications live, as any device changes them (Ctrl-C stops)',
    );
  addClientOptions(command).action(
    clientAction(io, async (context) => {
      const profile = context.loggedIn();
      const client = new LockstepClient({
        baseUrl: context.server,
        userAgent: userAgent(),
        token: profile.token,
        WebSocket,
      });
      // The device's own data (local preferences, which notifications it already showed) stays on
      // this machine, beside the profile.
      const storage = fileStorage(join(context.dir, 'devices', `${context.profileName}.json`));
      const live = client.live({ storage });
      await watch(context, live);
    }),
  );
}

async function watch(context: CommandContext, live: LiveAccount): Promise<void> {
  const { io } = context;
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  const emit = (kind: string, value: unknown): void => out(JSON.stringify({ kind, ...(value as object) }));
  const ended = new Promise<number>((resolve) => {
    live.on('revoked', (revocation) => {
      if (context.json) emit('revoked', revocation);
      else out(`Signed out: ${printable(revocation.message)}`);
      resolve(signedOutExit);
    });
    live.on('status', (status) => {
      // Closed by Ctrl-C, or given up on an error the live account could not recover from.
      if (status === 'closed') resolve(live.error === undefined ? 0 : 1);
    });
  });
  let started = false;
  live.on('change', ({ category, event }) => {
    // Until it is live, what arrives (the replay) is part of the state printed first.
    if (!started) return;
    if (context.json) {
      if (event) emit('event', { event });
      return;
    }
    // The first snapshot is printed below; a later one (after a reset) replaces the screen.
    if (category === 'snapshot' && live.state) out(`-- reloaded --\n${overview(live.state)}`);
    const line = event && describeEvent(event);
    if (line) out(printable(line));
  });
  // Notifications it missed while away arrive during the start; they print after the first screen.
  const missed: NotificationView[] = [];
  const show = (n: NotificationView): void => {
    if (context.json) emit('notification', { notification: n });
    else out(printable(`${clock(n.createdAt)} [${n.category}] ${n.title}: ${n.body}`));
  };
  live.on('notification', (n) => (started ? show(n) : missed.push(n)));
  const stop = (): void => live.close();
  process.once('SIGINT', stop);
  try {
    await context.call(() => live.start());
    started = true;
    const state = live.state!;
    if (context.json) emit('snapshot', { snapshot: state });
    else
      out(
        `Watching ${printable(state.account.email)} (profile ${context.profileName}); Ctrl-C stops.\n${overview(state)}`,
      );
    missed.forEach(show);
    const code = await ended;
    if (code === 1) throw live.error;
    if (code !== 0) throw new ExitError(code);
  } finally {
    process.removeListener('SIGINT', stop);
    live.close();
  }
}
