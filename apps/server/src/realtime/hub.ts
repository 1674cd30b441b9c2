import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  LockstepError,
  describeRevokeReason,
  wsCloseCodes,
  type AccountEvent,
  type ClientMessage,
  type RevokeReason,
  type ServerMessage,
} from '@lockstep/protocol';
import type { Store } from '@lockstep/store';
import type { ServerConfig } from '../config.ts';
import type { AccountEventBatch, EventBus } from '../services/event-bus.ts';
import { toAccountEvent } from '../services/account-stream.ts';
import { eventFrame } from './event-frame.ts';
import type { AuthService, Principal } from '../services/auth-service.ts';
import type { MarketFeed } from '../trading/market-feed.ts';
import { sessionExpiresAt } from '../domain/session-policy.ts';

/** Bounds that keep one account or one socket from taking the server's memory. */
const connectionsPerSessionMax = 8;
const messageBytesMax = 4096;
/** A device further behind than this gets "reset" and reloads a snapshot instead of a replay. */
const replayEventsMax = 5000;
const replayPageSize = 500;
const marketsPerConnectionMax = 50;
/** Heartbeats and pings go out this many at a time, then the event loop serves what waits. */
const sliceSize = 500;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** The heartbeat reads the stream heads of this many accounts per query. */
const headsPerQuery = 500;

/** The text of a frame, whichever buffer shape ws delivered it in. */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

interface Connection {
  ws: WebSocket;
  /** Public market symbols this connection follows; no login needed for those. */
  markets: Set<string>;
  /** Set once, when an `auth` (or the handshake credential) is first tried; later ones are refused. */
  authStarted: boolean;
  principal: Principal | null;
  subscribed: boolean;
  /** While a replay runs, live events wait here so none is sent twice or out of order. */
  pending: AccountEvent[] | null;
  lastSentSeq: number;
  expiresAt: number;
  alive: boolean;
  /** Something was sent since the last heartbeat, which then is not needed: any frame shows it lives. */
  sentSinceBeat: boolean;
}

export interface HubMetrics {
  connectionsOpened(): void;
  connectionsClosed(): void;
  eventsSent(count: number): void;
  /** The hub read events the bus had lost from the store. */
  gapsFilled?(): void;
}

/**
 * The WebSocket side of the gateway: authenticates devices on `/v1/ws`, replays what a device
 * missed, pushes committed events of its account, and closes a session's connections as soon as
 * the session is revoked or expires.
 */
export class RealtimeHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: messageBytesMax });
  private readonly connections = new Set<Connection>();
  private readonly bySession = new Map<string, Set<Connection>>();
  private readonly byAccount = new Map<number, Set<Connection>>();
  /** Per account with connections: the newest event this hub has delivered (or the head it read). */
  private readonly heads = new Map<number, { epoch: string; seq: number }>();
  /** Accounts whose missing events are being read from the store; their newer batches wait here. */
  private readonly filling = new Map<number, AccountEventBatch[]>();
  /** Accounts whose stored head was ahead of what the bus delivered at the last heartbeat: that head. */
  private readonly lagging = new Map<number, number>();
  private beating = false;
  private readonly bySymbol = new Map<string, Set<Connection>>();
  private readonly marketSymbols = new Set<string>();
  private unsubscribeFeed: () => void = () => undefined;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly auth: AuthService,
    private readonly store: Store,
    bus: EventBus,
    private readonly config: ServerConfig,
    private readonly metrics: HubMetrics,
  ) {
    this.unsubscribe = bus.subscribe((batch) => this.deliver(batch));
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), config.heartbeatMs);
    this.heartbeat.unref();
    // A store error in a sweep is retried by the next one.
    this.pinger = setInterval(() => void this.sweep().catch(() => undefined), config.pingMs);
    this.pinger.unref();
  }

  /** Number of open connections, for metrics and tests. */
  get connectionCount(): number {
    return this.wss.clients.size;
  }

  /** Takes over an HTTP upgrade on `/v1/ws`; `token` is the bearer or cookie credential, if any. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, token: string | null): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const conn: Connection = {
        ws,
        markets: new Set(),
        authStarted: false,
        principal: null,
        subscribed: false,
        pending: null,
        lastSentSeq: 0,
        expiresAt: 0,
        alive: true,
        sentSinceBeat: false,
      };
      this.metrics.connectionsOpened();
      this.connections.add(conn);
      ws.on('close', () => {
        this.connections.delete(conn);
        this.metrics.connectionsClosed();
        this.detach(conn);
      });
      ws.on('pong', () => (conn.alive = true));
      ws.on('message', (data, isBinary) => void this.guard(conn, () => this.onMessage(conn, data, isBinary)));
      ws.on('error', () => ws.terminate());
      if (token !== null) {
        void this.guard(conn, () => this.authenticate(conn, token));
      } else {
        const timer = setTimeout(() => {
          // A public market-data connection needs no login; any other must log in in time.
          if (!conn.principal && conn.markets.size === 0) {
            ws.close(wsCloseCodes.unauthenticated, 'authentication timed out');
          }
        }, this.config.wsAuthTimeoutMs);
        timer.unref();
      }
    });
  }

  /** Closes every connection (server shutdown) and stops the heartbeat. */
  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.pinger);
    this.unsubscribe();
    this.unsubscribeFeed();
    for (const ws of this.wss.clients) ws.close(wsCloseCodes.shuttingDown, 'server shutting down');
    this.wss.close();
  }

  private async authenticate(conn: Connection, token: string): Promise<void> {
    conn.authStarted = true;
    let principal: Principal;
    try {
      principal = await this.auth.authenticate(token);
    } catch (error) {
      const message = error instanceof LockstepError ? error.message : 'authentication failed';
      const code = error instanceof LockstepError ? error.code : 'UNAUTHENTICATED';
      this.send(conn, { type: 'error', code, message });
      conn.ws.close(wsCloseCodes.unauthenticated, code);
      return;
    }
    // The device may have gone while its credential was checked; a closed socket is never registered.
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    const sessionConns = this.bySession.get(principal.session.id) ?? new Set<Connection>();
    if (sessionConns.size >= connectionsPerSessionMax) {
      this.send(conn, {
        type: 'error',
        code: 'RATE_LIMITED',
        message: 'too many connections for this session',
      });
      conn.ws.close(wsCloseCodes.badMessage, 'too many connections');
      return;
    }
    conn.principal = principal;
    conn.expiresAt = sessionExpiresAt(principal.session, this.config.lifetimes);
    sessionConns.add(conn);
    this.bySession.set(principal.session.id, sessionConns);
    const accountConns = this.byAccount.get(principal.account.id) ?? new Set<Connection>();
    accountConns.add(conn);
    this.byAccount.set(principal.account.id, accountConns);
    // A revocation committed while the credential was being checked published its event before
    // this connection was registered; read the session again so that revocation still closes it.
    const fresh = await this.store.repos.sessions.findById(principal.account.id, principal.session.id);
    if (!fresh || fresh.revokedAt !== null) {
      this.closeSession(principal.session.id, (fresh?.revokeReason ?? 'logout') as RevokeReason);
      return;
    }
    const head = await this.head(principal.account.id);
    this.send(conn, {
      type: 'hello',
      accountId: principal.account.id,
      sessionId: principal.session.id,
      epoch: head.epoch,
      seq: head.seq,
      heartbeatMs: this.config.heartbeatMs,
    });
  }

  private async onMessage(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    let message: ClientMessage;
    try {
      if (isBinary) throw new Error('binary');
      message = JSON.parse(rawText(data)) as ClientMessage;
      if (typeof message !== 'object' || message === null) throw new Error('not an object');
    } catch {
      this.send(conn, { type: 'error', code: 'INVALID_JSON', message: 'messages must be JSON objects' });
      return;
    }
    if (message.type === 'auth' && typeof message.token === 'string' && !conn.authStarted) {
      await this.authenticate(conn, message.token);
    } else if (
      message.type === 'subscribe' &&
      conn.principal &&
      // One subscription per connection: a second replay would interleave with the first.
      !conn.subscribed &&
      Number.isSafeInteger(message.since) &&
      message.since >= 0
    ) {
      await this.subscribe(
        conn,
        message.since,
        typeof message.epoch === 'string' ? message.epoch : undefined,
      );
    } else if (message.type === 'market.subscribe' && Array.isArray(message.symbols)) {
      this.subscribeMarkets(conn, message.symbols);
    } else if (message.type === 'ping') {
      const head = conn.principal ? await this.head(conn.principal.account.id) : { epoch: '', seq: 0 };
      this.send(conn, { type: 'heartbeat', epoch: head.epoch, seq: head.seq });
    } else {
      const why = !conn.principal
        ? 'authenticate first'
        : message.type === 'subscribe' && conn.subscribed
          ? 'already subscribed; open a new connection to resubscribe'
          : 'unknown message type or bad field';
      this.send(conn, { type: 'error', code: 'VALIDATION_FAILED', message: why });
    }
  }

  /**
   * Runs a connection's work; if the store fails under it, the socket is closed with 1011 so the
   * device backs off and resumes later, instead of the error escaping (and ending the process) or
   * leaving the connection half subscribed.
   */
  private async guard(conn: Connection, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch {
      this.send(conn, {
        type: 'error',
        code: 'INTERNAL',
        message: 'the server could not serve this connection; retry',
      });
      conn.ws.close(wsCloseCodes.serverError, 'server error');
      this.detach(conn);
    }
  }

  /** Replays the events after `since`, or answers "reset" when the device's copy cannot be resumed. */
  private async subscribe(conn: Connection, since: number, epoch: string | undefined): Promise<void> {
    const accountId = conn.principal!.account.id;
    conn.pending = [];
    conn.subscribed = true;
    const head = await this.head(accountId, true);
    if (
      (epoch !== undefined && epoch !== head.epoch) ||
      since > head.seq ||
      head.seq - since > replayEventsMax
    ) {
      const reason =
        epoch !== undefined && epoch !== head.epoch
          ? 'epoch changed'
          : since > head.seq
            ? 'ahead of the stream'
            : 'too far behind to replay';
      this.send(conn, { type: 'reset', epoch: head.epoch, seq: head.seq, reason });
      conn.lastSentSeq = head.seq;
    } else {
      conn.lastSentSeq = since;
      for (;;) {
        const page = await this.store.repos.events.listAfter(accountId, conn.lastSentSeq, replayPageSize);
        for (const stored of page) this.sendEvent(conn, head.epoch, toAccountEvent(stored));
        if (page.length < replayPageSize) break;
      }
      this.send(conn, { type: 'replayed', epoch: head.epoch, seq: conn.lastSentSeq });
    }
    const pending = conn.pending;
    conn.pending = null;
    for (const event of pending) this.sendEvent(conn, head.epoch, event);
  }

  /**
   * A batch from the bus. The bus may lose a message (Redis in a cluster); the store never does. A
   * batch that does not follow the last one delivered waits while the missing events are read
   * from the store, so every connection still gets every event once and in order.
   */
  private deliver(batch: AccountEventBatch): void {
    if (!this.byAccount.has(batch.accountId)) return;
    const waiting = this.filling.get(batch.accountId);
    if (waiting) {
      waiting.push(batch);
      return;
    }
    const known = this.heads.get(batch.accountId);
    const first = batch.events[0];
    if (known && first && known.epoch === batch.epoch && first.seq > known.seq + 1) {
      this.filling.set(batch.accountId, [batch]);
      void this.fill(batch.accountId, known.seq);
      return;
    }
    this.deliverNow(batch);
  }

  /** Reads the events after `after` from the store and delivers them, then the batches that waited. */
  private async fill(accountId: number, after: number): Promise<void> {
    try {
      const { epoch } = this.heads.get(accountId) ?? (await this.auth.streamHead(accountId));
      for (let from = after; ;) {
        const page = await this.store.repos.events.listAfter(accountId, from, replayPageSize);
        if (page.length > 0) this.deliverNow({ accountId, epoch, events: page.map(toAccountEvent) });
        if (page.length < replayPageSize) break;
        from = page[page.length - 1]!.seq;
      }
      this.metrics.gapsFilled?.();
    } catch {
      // The store failed: the waiting batches still go out; a device notices the gap by the
      // heartbeat and resumes from the store itself.
    } finally {
      const waiting = this.filling.get(accountId) ?? [];
      this.filling.delete(accountId);
      this.lagging.delete(accountId);
      for (const batch of waiting) this.deliverNow(batch);
    }
  }

  private deliverNow(batch: AccountEventBatch): void {
    const conns = this.byAccount.get(batch.accountId);
    if (!conns) return;
    const last = batch.events[batch.events.length - 1];
    const known = this.heads.get(batch.accountId);
    if (last && (!known || known.epoch !== batch.epoch || last.seq > known.seq))
      this.heads.set(batch.accountId, { epoch: batch.epoch, seq: last.seq });
    // Each event is serialised once for all the account's devices, and each device's frames of
    // the batch leave in one write (the socket is corked around them): at 10,000 devices, a write
    // per frame per device was a third of the server's time.
    const frames: Array<string | undefined> = new Array<string | undefined>(batch.events.length);
    const frameOf = (i: number): string =>
      (frames[i] ??= eventFrame(batch.epoch, batch.events[i]!, batch.dataTexts?.[i]));
    for (const conn of conns) {
      if (!conn.subscribed) continue;
      const socket = corkable(conn.ws);
      socket?.cork();
      for (let i = 0; i < batch.events.length; i += 1) {
        const event = batch.events[i]!;
        if (conn.pending) conn.pending.push(event);
        else if (event.seq > conn.lastSentSeq) {
          conn.lastSentSeq = event.seq;
          this.sendFrame(conn, frameOf(i));
          this.metrics.eventsSent(1);
        }
        // A signed-out device learns of its own revocation and nothing after it.
        if (event.type === 'session.revoked' && event.data.session.id === conn.principal?.session.id) break;
      }
      socket?.uncork();
    }
    for (const event of batch.events) {
      if (event.type === 'session.revoked') {
        const reason = event.data.session.revokeReason ?? 'logout';
        this.closeSession(event.data.session.id, reason);
      }
    }
  }

  private sendEvent(conn: Connection, epoch: string, event: AccountEvent): void {
    if (event.seq <= conn.lastSentSeq) return;
    conn.lastSentSeq = event.seq;
    this.send(conn, { type: 'event', epoch, event });
    this.metrics.eventsSent(1);
  }

  /** Tells each connection of the session why it ends, then closes it. */
  private closeSession(sessionId: string, reason: RevokeReason | 'expired'): void {
    for (const conn of this.bySession.get(sessionId) ?? []) {
      this.send(conn, { type: 'revoked', reason, message: describeRevokeReason(reason) });
      conn.ws.close(wsCloseCodes.revoked, reason);
      this.detach(conn);
    }
  }

  /** Follows public depth diffs and trades of the given symbols (at most `marketsPerConnectionMax`). */
  private subscribeMarkets(conn: Connection, symbols: unknown[]): void {
    const valid = symbols.filter((s): s is string => typeof s === 'string' && this.marketSymbols.has(s));
    if (valid.length !== symbols.length || conn.markets.size + valid.length > marketsPerConnectionMax) {
      this.send(conn, { type: 'error', code: 'UNKNOWN_SYMBOL', message: 'symbols must be known markets' });
      return;
    }
    for (const symbol of valid) {
      conn.markets.add(symbol);
      const followers = this.bySymbol.get(symbol) ?? new Set<Connection>();
      followers.add(conn);
      this.bySymbol.set(symbol, followers);
    }
    this.send(conn, { type: 'market.subscribed', symbols: [...conn.markets] });
  }

  /** Starts relaying a market feed to the connections that follow its symbols. */
  attachMarketFeed(feed: MarketFeed, symbols: readonly string[]): void {
    for (const symbol of symbols) this.marketSymbols.add(symbol);
    this.unsubscribeFeed = feed.subscribe((message) => {
      for (const conn of this.bySymbol.get(message.symbol) ?? []) this.send(conn, message);
    });
  }

  private detach(conn: Connection): void {
    conn.subscribed = false;
    for (const symbol of conn.markets) this.bySymbol.get(symbol)?.delete(conn);
    conn.markets.clear();
    if (!conn.principal) return;
    const { session, account } = conn.principal;
    const sessionConns = this.bySession.get(session.id);
    sessionConns?.delete(conn);
    if (sessionConns?.size === 0) this.bySession.delete(session.id);
    const accountConns = this.byAccount.get(account.id);
    accountConns?.delete(conn);
    if (accountConns?.size === 0) {
      this.byAccount.delete(account.id);
      this.heads.delete(account.id);
      this.lagging.delete(account.id);
    }
    conn.principal = null;
  }

  private async head(accountId: number, fresh = false): Promise<{ epoch: string; seq: number }> {
    const cached = this.heads.get(accountId);
    if (cached && !fresh) return cached;
    const stored = await this.auth.streamHead(accountId);
    // `heads` means "delivered by the bus" once an account has one, which is what gap detection
    // compares with; a stored head read here only starts it, so a batch the bus loses later is
    // still noticed.
    if (this.byAccount.has(accountId) && !this.heads.has(accountId)) this.heads.set(accountId, stored);
    const delivered = this.heads.get(accountId);
    // An event delivered while the read was in flight may have moved the head further.
    return delivered && delivered.epoch === stored.epoch && delivered.seq > stored.seq ? delivered : stored;
  }

  /**
   * The heartbeat (every `heartbeatMs`): each subscribed connection learns the head, so an idle
   * device notices within a heartbeat that it lacks an event. The heads are read from the store;
   * one that stays ahead of what the bus delivered for two heartbeats means the bus lost a
   * message, and the missing events are read from the store and delivered.
   */
  async beat(): Promise<void> {
    // The heartbeats go out first, from what was delivered, whatever the store is doing: a slow
    // store must not silence every device at once (they would all reconnect together).
    await this.sendHeartbeats();
    if (this.beating) return;
    this.beating = true;
    try {
      const accounts = [...this.byAccount.keys()];
      for (let i = 0; i < accounts.length; i += headsPerQuery) {
        for (const stored of await this.store.repos.accounts.streamHeads(
          accounts.slice(i, i + headsPerQuery),
        )) {
          const known = this.heads.get(stored.accountId);
          if (!known || this.filling.has(stored.accountId)) continue;
          if (stored.epoch !== known.epoch || stored.seq <= known.seq) {
            this.lagging.delete(stored.accountId);
            continue;
          }
          const before = this.lagging.get(stored.accountId);
          if (before !== undefined && known.seq < before) {
            this.filling.set(stored.accountId, []);
            void this.fill(stored.accountId, known.seq);
          } else this.lagging.set(stored.accountId, stored.seq);
        }
      }
    } catch {
      // The store is unreachable this time; the next beat looks again.
    } finally {
      this.beating = false;
    }
  }

  private async sendHeartbeats(): Promise<void> {
    let done = 0;
    for (const [accountId, conns] of this.byAccount) {
      // In slices: thousands of sends in one piece would hold back the orders waiting behind them.
      if ((done += conns.size) >= sliceSize) {
        done = 0;
        await nextTurn();
      }
      const head = this.heads.get(accountId);
      if (!head || this.filling.has(accountId)) continue;
      const message = JSON.stringify({
        type: 'heartbeat',
        epoch: head.epoch,
        seq: head.seq,
      } satisfies ServerMessage);
      for (const conn of conns) {
        // A connection that got events since the last beat knows the head and that it lives.
        if (conn.sentSinceBeat) conn.sentSinceBeat = false;
        else if (conn.subscribed && !conn.pending && conn.ws.readyState === conn.ws.OPEN)
          conn.ws.send(message);
      }
    }
  }

  /** Dead-peer detection (ping) and closing expired sessions; runs on a timer, tests call it directly. */
  async sweep(): Promise<void> {
    const now = this.config.now();
    // The standard liveness round: a connection that did not answer the last ping is dropped, the
    // others are pinged again. Market-data sockets too. In slices, so 10,000 pings do not stall
    // the event loop in one piece.
    let done = 0;
    for (const conn of this.connections) {
      if (!conn.alive) conn.ws.terminate();
      else {
        conn.alive = false;
        if (conn.ws.readyState === conn.ws.OPEN) conn.ws.ping();
      }
      if (++done % sliceSize === 0) await nextTurn();
    }
    for (const [sessionId, conns] of this.bySession) {
      const first = conns.values().next().value;
      if (!first?.principal || now < first.expiresAt) continue;
      const session = await this.store.repos.sessions.findById(first.principal.account.id, sessionId);
      const expiresAt = session ? sessionExpiresAt(session, this.config.lifetimes) : 0;
      if (!session || session.revokedAt !== null || now >= expiresAt) {
        this.closeSession(sessionId, (session?.revokeReason as RevokeReason | null) ?? 'expired');
      } else for (const conn of conns) conn.expiresAt = expiresAt;
    }
  }

  private send(conn: Connection, message: ServerMessage): void {
    this.sendFrame(conn, JSON.stringify(message));
  }

  private sendFrame(conn: Connection, frame: string): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(frame);
    conn.sentSinceBeat = true;
  }
}

/**
 * The TCP socket under a `ws` WebSocket, to cork it around several frames. `ws` keeps it in a
 * field of its own; when that is missing (another version), frames simply go one write each.
 */
function corkable(ws: WebSocket): { cork(): void; uncork(): void } | undefined {
  const socket = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return socket && typeof socket.cork === 'function' && typeof socket.uncork === 'function'
    ? (socket as { cork(): void; uncork(): void })
    : undefined;
}
