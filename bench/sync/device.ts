import WebSocket from 'ws';
import type { ServerMessage } from '@lockstep/protocol';

/** Told of every `order.updated` a device receives, with when it was read. */
export type OrderEventSink = (device: Device, orderId: number, status: string, at: number) => void;

/**
 * One signed-in device: a real WebSocket to `/v1/ws`, authenticated by its session's bearer token
 * in the handshake, following its account's stream. It keeps the last sequence number it applied
 * and checks every event against it: each must be exactly `lastSeq + 1` in the same epoch, so a
 * gap, a duplicate, a reset, an error or an unexpected close marks the device faulty for the rest
 * of the run (`fault` keeps the first reason). Deliberately light: one `JSON.parse` per message
 * and a few field reads; 10,000 of these share a core with the load generator.
 */
export class Device {
  private ws: WebSocket | null = null;
  epoch = '';
  lastSeq = 0;
  /** The first thing that went wrong; a faulty device never counts as gap-free. */
  fault: string | null = null;
  /** Account events received (live and replayed). */
  events = 0;
  /** Events received between `subscribe` and `replayed`, over all (re)connections. */
  replayedEvents = 0;
  /** `replayed` messages received: one per successful (re)subscription. */
  resumes = 0;
  /** `performance.now()` of the latest `replayed`. */
  resumedAt = 0;
  /** Connection attempts that failed before `replayed` (and were retried by the caller). */
  failedAttempts = 0;
  private replaying = false;
  private resumed: (() => void) | null = null;

  constructor(
    /** Index of the account in the bench's list. */
    readonly account: number,
    /** Which of the account's devices (0-based); the same index as its session. */
    readonly slot: number,
    private readonly token: string,
    private readonly wsUrl: string,
    private readonly sink: OrderEventSink,
  ) {}

  get connected(): boolean {
    return this.ws !== null;
  }

  /**
   * Opens a socket and subscribes: on the first connection from the head `hello` reports (as a
   * device that just loaded a snapshot), afterwards from `lastSeq` in the epoch it holds, so the
   * server replays exactly what was missed. Resolves on `replayed`; rejects if the socket fails
   * or closes before that.
   */
  connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.wsUrl, {
        headers: { authorization: `Bearer ${this.token}` },
        perMessageDeflate: false,
        skipUTF8Validation: true,
      });
      this.ws = ws;
      let settled = false;
      const lost = (error: Error): void => {
        // A socket the bench dropped on purpose is no longer `this.ws`.
        const current = this.ws === ws;
        if (current) this.ws = null;
        if (settled) {
          if (current) this.markFault(`connection lost: ${error.message}`);
          return;
        }
        settled = true;
        this.resumed = null;
        this.replaying = false;
        this.failedAttempts += 1;
        reject(error);
      };
      this.resumed = () => {
        settled = true;
        resolve();
      };
      ws.on('message', (data: Buffer) => this.onMessage(ws, data));
      ws.on('error', lost);
      ws.on('close', (code: number, reason: Buffer) =>
        lost(new Error(`closed: ${code} ${reason.toString()}`)),
      );
    });
  }

  /** Drops the connection abruptly, as a lost network would (no close handshake). */
  drop(): void {
    const ws = this.ws;
    this.ws = null;
    this.replaying = false;
    ws?.terminate();
  }

  private onMessage(ws: WebSocket, data: Buffer): void {
    const message = JSON.parse(data.toString()) as ServerMessage;
    switch (message.type) {
      case 'event': {
        const at = performance.now();
        const event = message.event;
        if (message.epoch !== this.epoch)
          this.markFault(`event of epoch ${message.epoch}, held ${this.epoch}`);
        else if (event.seq !== this.lastSeq + 1)
          this.markFault(
            event.seq <= this.lastSeq
              ? `duplicate seq ${event.seq}`
              : `gap: ${this.lastSeq} then ${event.seq}`,
          );
        if (event.seq > this.lastSeq) this.lastSeq = event.seq;
        this.events += 1;
        if (this.replaying) this.replayedEvents += 1;
        if (event.type === 'order.updated')
          this.sink(this, event.data.order.orderId, event.data.order.status, at);
        return;
      }
      case 'hello':
        if (this.epoch === '') {
          this.epoch = message.epoch;
          this.lastSeq = message.seq;
        } else if (message.epoch !== this.epoch) {
          this.markFault(`epoch changed: ${this.epoch} then ${message.epoch}`);
        }
        this.replaying = true;
        ws.send(JSON.stringify({ type: 'subscribe', since: this.lastSeq, epoch: this.epoch }));
        return;
      case 'replayed':
        this.replaying = false;
        if (message.seq !== this.lastSeq)
          this.markFault(`replayed up to ${message.seq} while holding ${this.lastSeq}`);
        this.resumes += 1;
        this.resumedAt = performance.now();
        this.resumed?.();
        this.resumed = null;
        return;
      case 'reset':
        this.markFault(`reset: ${message.reason}`);
        return;
      case 'revoked':
      case 'error':
        this.markFault(`${message.type}: ${message.message}`);
        return;
      case 'heartbeat':
      case 'depth':
      case 'trade':
      case 'market.subscribed':
        // Heartbeats (and market data, which no device here follows) carry nothing to check.
        return;
    }
  }

  /** Records what went wrong, keeping the first reason. */
  markFault(reason: string): void {
    this.fault ??= reason;
  }
}
