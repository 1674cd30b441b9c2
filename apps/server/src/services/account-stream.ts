import type { AccountEvent, NotificationCreatedEvent } from '@lockstep/protocol';
import type { NotificationRecord, Repositories, Store, StoredEvent } from '@lockstep/store';
import type { AccountEventBatch, EventBus } from './event-bus.ts';
import { isoTime } from '../domain/iso-time.ts';

/**
 * Adds an event to an account's stream inside the caller's transaction. Events are numbered and
 * written when the transaction's work is done, in the order they were emitted. `json`, when the
 * caller has it, is `JSON.stringify(data)` made faster (the trading views' writers), and is what
 * the store keeps.
 */
export type Emit = <E extends AccountEvent>(
  accountId: number,
  type: E['type'],
  data: E['data'],
  json?: string,
) => void;

interface PendingEvent {
  type: string;
  data: unknown;
  json: string | undefined;
}

/**
 * Runs `fn` in one transaction in which every emitted event is numbered and stored with the change
 * it describes; the events are published only once the transaction has committed, so no device
 * ever sees a change that was rolled back. Each account's events take one stream-head update and
 * the whole batch one multi-row insert, whatever their number; accounts are updated in id order
 * so two transactions never wait on each other in a cycle.
 */
export async function commitWithEvents<T>(
  store: Store,
  bus: EventBus,
  now: number,
  fn: (repos: Repositories, emit: Emit) => Promise<T>,
): Promise<T> {
  const published: AccountEventBatch[] = [];
  const result = await store.transaction(async (repos) => {
    published.length = 0;
    const pending = new Map<number, PendingEvent[]>();
    const emit: Emit = (accountId, type, data, json) => {
      const list = pending.get(accountId) ?? [];
      list.push({ type, data, json });
      pending.set(accountId, list);
    };
    const value = await fn(repos, emit);
    const stored: StoredEvent[] = [];
    const notifications: NotificationRecord[] = [];
    const accountIds = [...pending.keys()].sort((a, b) => a - b);
    const heads = await repos.accounts.advanceSeqs(
      accountIds.map((accountId) => ({ accountId, count: pending.get(accountId)!.length })),
    );
    for (const accountId of accountIds) {
      const events = pending.get(accountId)!;
      const { epoch, seq: head } = heads.get(accountId)!;
      const first = head - events.length + 1;
      const batch = events.map((e, i) => {
        const seq = first + i;
        if (e.type === 'notification.created') notifications.push(numberNotification(accountId, seq, e.data));
        return { accountId, seq, type: e.type, data: e.data, json: e.json, createdAt: now };
      });
      stored.push(...batch);
      published.push({
        accountId,
        epoch,
        events: batch.map(toAccountEvent),
        dataTexts: batch.map((e) => e.json),
      });
    }
    await repos.events.appendMany(stored);
    await repos.notifications.insertMany(notifications);
    return value;
  });
  // The transaction resolves once durable: no device sees a change the store could still lose.
  for (const batch of published) bus.publish(batch);
  return result;
}

/**
 * A notification's id is the `seq` of the event that announces it: known only once the stream
 * head advances, so it is filled in here, and the centre's row is written beside the event.
 */
function numberNotification(accountId: number, seq: number, data: unknown): NotificationRecord {
  const { notification } = data as NotificationCreatedEvent['data'];
  notification.id = seq;
  return {
    accountId,
    id: seq,
    kind: notification.kind,
    title: notification.title,
    body: notification.body,
    ref: notification.ref,
    createdAt: Date.parse(notification.createdAt),
    readAt: null,
  };
}

/** The stored form of an event, back in wire form. */
export function toAccountEvent(stored: {
  seq: number;
  type: string;
  data: unknown;
  createdAt: number;
}): AccountEvent {
  return {
    seq: stored.seq,
    type: stored.type,
    at: isoTime(stored.createdAt),
    data: stored.data,
  } as AccountEvent;
}
