import type {
  AccountEvent,
  ClientMessage,
  DepthDiffMessage,
  ServerMessage,
  TradeMessage,
} from '@lockstep/protocol';

/** The part of the WebSocket API the SDK uses; the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  /** Drops the connection at once, without a closing handshake (the `ws` package has it; browsers do not). */
  terminate?(): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ConnectOptions {
  /** Resume after this `seq`; the server replays what is newer. Omit to receive only new events. */
  since?: number;
  epoch?: string;
}

type Listener<T> = (value: T) => void;

interface ConnectionEvents {
  /** Every message the server sends, before the connection's own handling (duplicates included). */
  message: ServerMessage;
  hello: Extract<ServerMessage, { type: 'hello' }>;
  event: AccountEvent;
  replayed: Extract<ServerMessage, { type: 'replayed' }>;
  reset: Extract<ServerMessage, { type: 'reset' }>;
  heartbeat: Extract<ServerMessage, { type: 'heartbeat' }>;
  revoked: Extract<ServerMessage, { type: 'revoked' }>;
  error: Extract<ServerMessage, { type: 'error' }>;
  close: { code: number; reason: string };
  depth: DepthDiffMessage;
  trade: TradeMessage;
  'market.subscribed': Extract<ServerMessage, { type: 'market.subscribed' }>;
}

/**
 * One live connection to the account's event stream. It authenticates with its first message (so
 * the token is never in a URL), subscribes from `since`, and reports events, heartbeats and the
 * reason the server gives when it signs this device out.
 */
export class AccountConnection {
  private readonly ws: WebSocketLike;
  private readonly listeners = new Map<keyof ConnectionEvents, Set<Listener<never>>>();
  /** Highest `seq` received; events at or below it are dropped as duplicates. */
  lastSeq = 0;
  epoch: string | undefined;
  closed = false;
  /** Resolves once the socket is open (messages sent before then are dropped). */
  readonly opened: Promise<void>;

  constructor(
    WebSocketImpl: WebSocketConstructor,
    url: string,
    token: string | undefined,
    options: ConnectOptions,
  ) {
    this.ws = new WebSocketImpl(url);
    this.lastSeq = options.since ?? 0;
    this.epoch = options.epoch;
    let markOpen: () => void = () => undefined;
    this.opened = new Promise((resolve) => (markOpen = resolve));
    this.ws.addEventListener('open', () => {
      if (token) this.send({ type: 'auth', token });
      markOpen();
    });
    this.ws.addEventListener('message', (event) => this.onMessage(event.data, options));
    this.ws.addEventListener('close', (event) => {
      this.closed = true;
      this.emit('close', { code: event.code, reason: event.reason });
    });
    this.ws.addEventListener('error', () => undefined);
  }

  on<K extends keyof ConnectionEvents>(type: K, listener: Listener<ConnectionEvents[K]>): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
    return () => set.delete(listener);
  }

  /** Resolves with the next `type` message that passes `test`. */
  next<K extends keyof ConnectionEvents>(
    type: K,
    test: (value: ConnectionEvents[K]) => boolean = () => true,
  ): Promise<ConnectionEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(type, (value) => {
        if (!test(value)) return;
        off();
        resolve(value);
      });
    });
  }

  /** Follows public depth diffs and trades of these symbols (no login needed); answered by `market.subscribed`. */
  subscribeMarkets(symbols: string[]): void {
    this.send({ type: 'market.subscribe', symbols });
  }

  /** Asks the server for the stream head; the answer arrives as a `heartbeat`. */
  ping(): void {
    this.send({ type: 'ping' });
  }

  close(): void {
    this.ws.close(1000, 'client closed');
  }

  /**
   * Drops the connection at once (a dead network, or a test that kills the socket); where the
   * platform has no such call, closes it normally.
   */
  terminate(): void {
    if (this.ws.terminate) this.ws.terminate();
    else this.close();
  }

  private onMessage(data: unknown, options: ConnectOptions): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    this.emit('message', message);
    switch (message.type) {
      case 'hello':
        this.epoch ??= message.epoch;
        this.send({
          type: 'subscribe',
          since: options.since ?? message.seq,
          ...(this.epoch === undefined ? {} : { epoch: this.epoch }),
        });
        this.emit('hello', message);
        break;
      case 'event':
        if (message.event.seq <= this.lastSeq) return;
        this.lastSeq = message.event.seq;
        this.emit('event', message.event);
        break;
      case 'reset':
        this.epoch = message.epoch;
        this.lastSeq = message.seq;
        this.emit('reset', message);
        break;
      case 'replayed':
        this.emit('replayed', message);
        break;
      case 'heartbeat':
        this.emit('heartbeat', message);
        break;
      case 'revoked':
        this.emit('revoked', message);
        break;
      case 'error':
        this.emit('error', message);
        break;
      case 'depth':
        this.emit('depth', message);
        break;
      case 'trade':
        this.emit('trade', message);
        break;
      case 'market.subscribed':
        this.emit('market.subscribed', message);
        break;
    }
  }

  private send(message: ClientMessage): void {
    if (this.ws.readyState === 1) this.ws.send(JSON.stringify(message));
  }

  private emit<K extends keyof ConnectionEvents>(type: K, value: ConnectionEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<ConnectionEvents[K]>)(value);
  }
}
