import type { AccountEvent } from '@lockstep/protocol';

/** A batch of events of one account, published after the transaction that wrote them committed. */
export interface AccountEventBatch {
  accountId: number;
  epoch: string;
  events: AccountEvent[];
  /**
   * Each event's data as JSON, where the writer made it (the text the store holds; it equals
   * `JSON.stringify(event.data)`), so the hub does not serialise it again. Absent or undefined
   * for an event written without one.
   */
  dataTexts?: ReadonlyArray<string | undefined>;
}

/**
 * How committed events reach the process that holds a device's connection: in-process here, Redis
 * in cluster mode. The bus may lose a message; the store never does, and a device that notices a
 * gap reads the missing range from the store.
 */
export interface EventBus {
  publish(batch: AccountEventBatch): void;
  subscribe(handler: (batch: AccountEventBatch) => void): () => void;
}

export function createMemoryBus(): EventBus {
  const handlers = new Set<(batch: AccountEventBatch) => void>();
  return {
    publish(batch) {
      for (const handler of handlers) handler(batch);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}
