import type { HttpPool } from './http-pool.ts';
import { randomOrderBody } from '../orders/order-body.ts';

/** An account as the load generator drives it: its sessions' tokens and its resting orders. */
export interface TradingAccount {
  tokens: readonly string[];
  /** Orders acknowledged as resting (NEW or PARTIALLY_FILLED), oldest first. */
  open: number[];
}

export interface LoadEvents {
  /** `sentAt`: when the request was written; `at`: when its answer (the acknowledgement) was read. */
  placed(orderId: number, account: number, slot: number, sentAt: number, at: number): void;
  cancelled(orderId: number, account: number, slot: number, sentAt: number, at: number): void;
}

/** An account never keeps more resting orders than this: the oldest is cancelled first. */
const openOrdersMax = 8;
/** Besides that, at each of its turns an account cancels its oldest resting order with this chance. */
const cancelChance = 0.25;

/**
 * Open-loop order load: `rate` new orders per second on a fixed schedule (a late tick issues what
 * it owes at once), whatever the server's answers take; each is an authenticated
 * `POST /v1/orders` of a GTC limit order on BTCUSDT with the bearer token of one of the account's
 * devices, chosen at random. Accounts take turns in a shuffled order, so every account (and so
 * every device) gets orders. At a turn an account also cancels its oldest resting order
 * (`DELETE /v1/orders/BTCUSDT/{id}`, from another random device) with chance `cancelChance`, or
 * always once it holds `openOrdersMax`: books and locked balances stay bounded, and cancels
 * (about a quarter of the rate) come on top of it. Prices straddle 50,000 so most orders rest and
 * a few cross.
 *
 * If the server falls behind, answers wait in the pool's queue; once more than half a second of
 * orders is waiting, the schedule skips orders (counted in `skipped`) rather than queueing without
 * bound, so an overloaded run still ends on time and reports the rate actually achieved.
 */
export class OrderLoad {
  placed = 0;
  cancels = 0;
  /** Cancels answered 404 UNKNOWN_ORDER: the order filled before the cancel reached it. */
  refusedCancels = 0;
  /** Scheduled orders not sent because half a second of them was already waiting. */
  skipped = 0;
  failures = 0;
  firstFailure: string | null = null;
  maxBacklog = 0;
  private inflight = 0;
  private issued = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;
  private readonly turns: number[];
  private cursor: number;

  constructor(
    private readonly pool: HttpPool,
    private readonly accounts: readonly TradingAccount[],
    private readonly rate: number,
    private readonly random: () => number,
    private readonly events: LoadEvents,
  ) {
    this.turns = accounts.map((_, i) => i);
    this.cursor = this.turns.length;
  }

  start(): void {
    this.startedAt = performance.now();
    this.issued = 0;
    const tick = (): void => {
      const due = Math.floor(((performance.now() - this.startedAt) * this.rate) / 1000);
      while (this.issued < due) {
        if (this.pool.backlog > this.rate / 2) this.skipped += 1;
        else this.issue();
        this.issued += 1;
      }
      if (this.pool.backlog > this.maxBacklog) this.maxBacklog = this.pool.backlog;
      this.timer = setTimeout(tick, 1);
    };
    tick();
  }

  /** Stops issuing and resolves once every request in flight has been answered. */
  stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inflight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.idle = resolve));
  }

  private issue(): void {
    if (this.cursor === this.turns.length) {
      shuffle(this.turns, this.random);
      this.cursor = 0;
    }
    const index = this.turns[this.cursor++]!;
    const account = this.accounts[index]!;
    const devices = account.tokens.length;
    if (account.open.length >= openOrdersMax || (account.open.length > 0 && this.random() < cancelChance)) {
      this.cancel(index, account.open.shift()!, Math.floor(this.random() * devices));
    }
    this.place(index, Math.floor(this.random() * devices));
  }

  private place(index: number, slot: number): void {
    const account = this.accounts[index]!;
    this.send(
      'POST',
      '/v1/orders',
      account.tokens[slot]!,
      randomOrderBody(this.random),
      (status, body, sentAt, at) => {
        if (status !== 200) return this.fail(`order answered ${status} ${JSON.stringify(body)}`);
        const { order } = body as { order: { orderId: number; status: string } };
        this.placed += 1;
        if (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED') account.open.push(order.orderId);
        this.events.placed(order.orderId, index, slot, sentAt, at);
      },
    );
  }

  private cancel(index: number, orderId: number, slot: number): void {
    const account = this.accounts[index]!;
    this.send(
      'DELETE',
      `/v1/orders/BTCUSDT/${orderId}`,
      account.tokens[slot]!,
      undefined,
      (status, body, sentAt, at) => {
        if (status === 200) {
          this.cancels += 1;
          this.events.cancelled(orderId, index, slot, sentAt, at);
        } else if (status === 404 && codeOf(body) === 'UNKNOWN_ORDER') {
          this.refusedCancels += 1;
        } else {
          this.fail(`cancel answered ${status} ${JSON.stringify(body)}`);
        }
      },
    );
  }

  private send(
    method: 'POST' | 'DELETE',
    path: string,
    token: string,
    body: unknown,
    answered: (status: number, body: unknown, sentAt: number, at: number) => void,
  ): void {
    this.inflight += 1;
    const sentAt = performance.now();
    this.pool.request(method, path, { Authorization: `Bearer ${token}` }, body).then(
      (response) => {
        answered(response.status, response.body, sentAt, response.at);
        this.settled();
      },
      (error: unknown) => {
        this.fail(error instanceof Error ? error.message : String(error));
        this.settled();
      },
    );
  }

  private settled(): void {
    this.inflight -= 1;
    if (this.inflight === 0 && this.timer === null) {
      this.idle?.();
      this.idle = null;
    }
  }

  private fail(reason: string): void {
    this.failures += 1;
    this.firstFailure ??= reason;
  }
}

/** Fisher-Yates with the bench's seeded generator. */
export function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function codeOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
}
