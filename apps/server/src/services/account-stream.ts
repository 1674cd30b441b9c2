import type { AccountEvent } from '@lockstep/protocol';
import type { Repositories, Store } from '@lockstep/store';
import type { EventBus } from './event-bus.ts';

/** Appends an event to an account's stream inside the caller's transaction. */
export type Emit = <E extends AccountEvent>(
  accountId: number,
  type: E['type'],
  data: E['data'],
) => Promise<E>;

/**
 * Runs `fn` in one transaction in which every emitted event is numbered and stored with the change
 * it describes; the events are published only once the transaction has committed, so no device
 * ever sees a change that was rolled back.
 */
export async function commitWithEvents<T>(
  store: Store,
  bus: EventBus,
  now: number,
  fn: (repos: Repositories, emit: Emit) => Promise<T>,
): Promise<T> {
  const batches = new Map<number, { epoch: string; events: AccountEvent[] }>();
  const result = await store.transaction(async (repos) => {
    batches.clear();
    const emit: Emit = async (accountId, type, data) => {
      const { epoch, seq } = await repos.accounts.nextSeq(accountId);
      await repos.events.append({ accountId, seq, type, data, createdAt: now });
      const event = toAccountEvent({ seq, type, data, createdAt: now });
      const batch = batches.get(accountId) ?? { epoch, events: [] };
      batch.events.push(event);
      batches.set(accountId, batch);
      return event as never;
    };
    return fn(repos, emit);
  });
  for (const [accountId, batch] of batches) bus.publish({ accountId, ...batch });
  return result;
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
    at: new Date(stored.createdAt).toISOString(),
    data: stored.data,
  } as AccountEvent;
}
