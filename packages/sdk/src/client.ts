import type {
  DepthView,
  KlineQuery,
  KlineView,
  MarketView,
  PublicTradeView,
  TickerView,
  BalanceView,
  MyTradeView,
  OrderView,
  PlaceOrderBody,
  AccountView,
  LoginBody,
  LoginHistoryPage,
  LoginResponse,
  MeResponse,
  PageQuery,
  RegisterBody,
  RevokeResult,
  SessionList,
  ChainDepositBody,
  DepositAddressView,
  DepositView,
  WithdrawalView,
  WithdrawBody,
} from '@lockstep/protocol';
import { LockstepApiError } from './api-error.ts';
import { AccountConnection, type ConnectOptions, type WebSocketConstructor } from './connection.ts';

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A bearer token from an earlier login (apps, command line, bots). */
  token?: string;
  /** The CSRF token of a cookie session (browsers). */
  csrfToken?: string;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** A WebSocket implementation; the global one by default (pass `ws` on Node 20). */
  WebSocket?: WebSocketConstructor;
  /** Sent as User-Agent where the platform allows it (not in browsers). */
  userAgent?: string;
  /** A request with no answer after this long fails instead of hanging. */
  timeoutMs?: number;
}

/** Default bound on one HTTP request. */
const requestTimeoutMs = 30_000;

/**
 * Typed client of the native Lockstep API, for browsers and Node. Every route of `/v1` has a
 * method; `connect()` opens the account's live event stream.
 *
 * @example
 * const client = new LockstepClient({ baseUrl: 'http://127.0.0.1:8080' });
 * await client.login({ email, password, platform: 'desktop' });
 * const devices = await client.sessions();
 */
export class LockstepClient {
  readonly baseUrl: string;
  private token: string | undefined;
  private csrfToken: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.csrfToken = options.csrfToken;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The bearer token this client sends, if any. */
  get credential(): string | undefined {
    return this.token;
  }

  /** Creates an account. Does not log in. */
  async register(body: RegisterBody): Promise<{ account: AccountView }> {
    return this.request('POST', '/v1/auth/register', body);
  }

  /** Logs this device in; the client keeps the token (or CSRF token) for later calls. */
  async login(body: LoginBody): Promise<LoginResponse> {
    const result = await this.request<LoginResponse>('POST', '/v1/auth/login', body);
    if (result.token) this.token = result.token;
    if (result.csrfToken) this.csrfToken = result.csrfToken;
    return result;
  }

  /** Logs this device out and forgets its credential. */
  async logout(): Promise<RevokeResult> {
    const result = await this.request<RevokeResult>('POST', '/v1/auth/logout');
    this.forget();
    return result;
  }

  me(): Promise<MeResponse> {
    return this.request('GET', '/v1/me');
  }

  /** The account's devices logged in now. */
  sessions(): Promise<SessionList> {
    return this.request('GET', '/v1/sessions');
  }

  /** Logs out one device by session id. */
  logoutDevice(sessionId: string): Promise<RevokeResult> {
    return this.request('DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** Logs out every device but this one. */
  logoutOthers(): Promise<RevokeResult> {
    return this.request('POST', '/v1/sessions/revoke-others');
  }

  /** Logs out every device, this one included. */
  async logoutAll(): Promise<RevokeResult> {
    const result = await this.request<RevokeResult>('POST', '/v1/sessions/revoke-all');
    this.forget();
    return result;
  }

  loginHistory(query: PageQuery = {}): Promise<LoginHistoryPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.before !== undefined) params.set('before', String(query.before));
    const qs = params.toString();
    return this.request('GET', `/v1/login-history${qs ? `?${qs}` : ''}`);
  }

  /** Places an order; resolves once it is durable, with its state and its fills. */
  placeOrder(body: PlaceOrderBody): Promise<{ order: OrderView; fills: MyTradeView[] }> {
    return this.request('POST', '/v1/orders', body);
  }

  /** One-click close: cancels the symbol's open orders and sells the whole base holding at market. */
  closePosition(symbol: string): Promise<{ orders: OrderView[]; fills: MyTradeView[] }> {
    return this.request('POST', `/v1/positions/${encodeURIComponent(symbol)}/close`);
  }

  /** Order history, newest first. */
  orders(
    query: { symbol?: string; status?: OrderView['status']; beforeId?: number; limit?: number } = {},
  ): Promise<{
    orders: OrderView[];
  }> {
    return this.request('GET', `/v1/orders${queryString(query)}`);
  }

  /** The account's fills, newest first. */
  myTrades(query: { symbol?: string; startTime?: number; endTime?: number; limit?: number } = {}): Promise<{
    trades: MyTradeView[];
  }> {
    return this.request('GET', `/v1/my-trades${queryString(query)}`);
  }

  /** One order in its latest state. */
  getOrder(symbol: string, orderId: number): Promise<{ order: OrderView }> {
    return this.request('GET', `/v1/orders/${encodeURIComponent(symbol)}/${orderId}`);
  }

  /** Cancels one open order. */
  cancelOrder(symbol: string, orderId: number): Promise<{ order: OrderView }> {
    return this.request('DELETE', `/v1/orders/${encodeURIComponent(symbol)}/${orderId}`);
  }

  /** Cancels every open order on a symbol. */
  cancelAllOrders(symbol: string): Promise<{ orders: OrderView[] }> {
    return this.request('DELETE', `/v1/open-orders/${encodeURIComponent(symbol)}`);
  }

  openOrders(symbol?: string): Promise<{ orders: OrderView[] }> {
    return this.request('GET', `/v1/open-orders${symbol ? `?symbol=${encodeURIComponent(symbol)}` : ''}`);
  }

  balances(): Promise<{ balances: BalanceView[] }> {
    return this.request('GET', '/v1/balances');
  }

  /** Every market with its filters and fee rates (public). */
  markets(): Promise<{ markets: MarketView[] }> {
    return this.request('GET', '/v1/markets');
  }

  /** The order book's best `limit` levels per side (public; default 100, at most 5000). */
  depth(symbol: string, limit?: number): Promise<DepthView> {
    return this.request('GET', `${marketPath(symbol)}/depth${queryString({ limit })}`);
  }

  /** The market's last `limit` trades, oldest first (public; default 500, at most 1000). */
  recentTrades(symbol: string, limit?: number): Promise<{ trades: PublicTradeView[] }> {
    return this.request('GET', `${marketPath(symbol)}/trades${queryString({ limit })}`);
  }

  /** The account's deposit address for an asset (made on first use, then stable). */
  depositAddress(asset: string): Promise<DepositAddressView> {
    return this.request('GET', `/v1/deposit-address${queryString({ asset })}`);
  }

  /** The account's deposits, newest first. */
  deposits(query: { asset?: string; beforeId?: number; limit?: number } = {}): Promise<{
    deposits: DepositView[];
  }> {
    return this.request('GET', `/v1/deposits${queryString({ ...query })}`);
  }

  /** Requests a withdrawal; amount plus the asset's fee stay locked while it is pending. */
  withdraw(body: WithdrawBody): Promise<{ withdrawal: WithdrawalView }> {
    return this.request('POST', '/v1/withdrawals', body);
  }

  /** The account's withdrawals, newest first. */
  withdrawals(
    query: { asset?: string; status?: WithdrawalView['status']; beforeId?: number; limit?: number } = {},
  ): Promise<{ withdrawals: WithdrawalView[] }> {
    return this.request('GET', `/v1/withdrawals${queryString({ ...query })}`);
  }

  /** Cancels a withdrawal while it is pending. */
  cancelWithdrawal(id: number): Promise<{ withdrawal: WithdrawalView }> {
    return this.request('DELETE', `/v1/withdrawals/${id}`);
  }

  /** The simulated chain saw a transfer (operators only; idempotent per txId). */
  adminChainDeposit(adminToken: string, body: ChainDepositBody): Promise<{ deposit: DepositView }> {
    return this.request('POST', '/v1/admin/chain/deposits', body, { 'x-lockstep-admin-token': adminToken });
  }

  /** Raises a simulated deposit's confirmations (operators only). */
  adminConfirmDeposit(
    adminToken: string,
    txId: string,
    confirmations: number,
  ): Promise<{ deposit: DepositView }> {
    return this.request(
      'POST',
      `/v1/admin/chain/deposits/${encodeURIComponent(txId)}/confirm`,
      { confirmations },
      { 'x-lockstep-admin-token': adminToken },
    );
  }

  /** Moves a withdrawal on as the processor of the embedded setup (operators only). */
  adminWithdrawalStep(
    adminToken: string,
    id: number,
    step: 'process' | 'complete' | 'fail',
  ): Promise<{ withdrawal: WithdrawalView }> {
    return this.request('POST', `/v1/admin/withdrawals/${id}/${step}`, undefined, {
      'x-lockstep-admin-token': adminToken,
    });
  }

  /** Rolling 24h statistics of one market (public). */
  ticker(symbol: string): Promise<TickerView> {
    return this.request('GET', `${marketPath(symbol)}/ticker`);
  }

  /** Rolling 24h statistics of every market (public). */
  tickers(): Promise<{ tickers: TickerView[] }> {
    return this.request('GET', '/v1/tickers');
  }

  /** Candlesticks ascending by open time (public; default 500, at most 1000). */
  klines(symbol: string, query: KlineQuery): Promise<{ klines: KlineView[] }> {
    return this.request('GET', `${marketPath(symbol)}/klines${queryString({ ...query })}`);
  }

  health(): Promise<{ status: 'ok'; storage: string; uptimeSeconds: number }> {
    return this.request('GET', '/healthz');
  }

  /** Opens the account's live stream on `/v1/ws`. */
  connect(options: ConnectOptions = {}): AccountConnection {
    const WebSocketImpl =
      this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) throw new Error('no WebSocket implementation: pass one as the WebSocket option');
    const url = `${this.baseUrl.replace(/^http/, 'ws')}/v1/ws`;
    return new AccountConnection(WebSocketImpl, url, this.token, options);
  }

  /**
   * Credits a test deposit (operators only): `adminToken` is the content of the server's
   * `data/admin-token` file.
   */
  adminDeposit(
    adminToken: string,
    body: { email: string; asset: string; amount: string; txId?: string },
  ): Promise<{ credited: boolean; balance: BalanceView }> {
    return this.request('POST', '/v1/admin/deposits', body, { 'x-lockstep-admin-token': adminToken });
  }

  /** Sends one request and returns its JSON body, or throws LockstepApiError with the server's code. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    else if (this.csrfToken && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    const init: RequestInit = {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? requestTimeoutMs),
    };
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    } catch (error) {
      // A kept-alive connection may have been closed by a server restart just before this request
      // went out on it; a read is safe to send once more on a fresh connection.
      if (method !== 'GET') throw error;
      response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw new LockstepApiError(response.status, parsed ?? {});
    return parsed as T;
  }

  private forget(): void {
    this.token = undefined;
    this.csrfToken = undefined;
  }
}

/** The path of one market's public data. */
function marketPath(symbol: string): string {
  return `/v1/markets/${encodeURIComponent(symbol)}`;
}

/** `?a=1&b=2` of the given values, skipping undefined ones; empty when none is given. */
function queryString(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
