import type {
  ApiKeyCreated,
  ApiKeyList,
  ApiKeyView,
  CreateApiKeyBody,
  UpdateApiKeyBody,
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
  ChainBlockView,
  DepositView,
  WithdrawalView,
  WithdrawBody,
  ChangePasswordBody,
  RecoveryCodesView,
  SecurityLogPage,
  SecurityView,
  SecurityAlertView,
  PasswordResetBody,
  LoginPending,
  ApprovedLoginView,
  QrPending,
  HumanChallengeView,
  QrRequestView,
  QrStartBody,
  QrStartView,
  StepUpBody,
  StepUpResult,
  TotpSetupView,
  AccountSnapshot,
  AdminKycBody,
  CreatePriceAlertBody,
  KycView,
  MarkReadBody,
  MarkReadResult,
  NotificationPage,
  NotificationQuery,
  PreferencesView,
  PriceAlertView,
  RevokeReason,
  UpdatePreferencesBody,
  WatchlistView,
} from '@lockstep/protocol';
import { solveChallenge } from 'altcha-lib';
import { LockstepApiError } from './api-error.ts';
import { RequestSigner, type ApiKeyCredentials } from './signing.ts';
import { AccountConnection, type ConnectOptions, type WebSocketConstructor } from './connection.ts';
import { LiveAccount, type LiveAccountOptions } from './live-account.ts';

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
  /**
   * Sign every request with this API key (bots): X-MBX-APIKEY plus `timestamp`, `recvWindow` and
   * `signature` Binance-style, instead of a session. Only the trading, wallet and `me` routes
   * accept keys.
   */
  apiKey?: ApiKeyCredentials;
  /** The `recvWindow` (ms) of signed requests; the server's default (5000) when absent. */
  recvWindow?: number;
  /** The clock signed requests take their timestamp from (tests pass the server's). */
  now?: () => number;
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
  private readonly signer: RequestSigner | undefined;
  private lastTimestamp = 0;
  /** Live accounts made by `live()` and still running; a logout ends them. */
  private readonly liveAccounts = new Set<LiveAccount>();

  constructor(options: ClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.csrfToken = options.csrfToken;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.signer = options.apiKey && new RequestSigner(options.apiKey, options.recvWindow);
  }

  /** The bearer token this client sends, if any. */
  get credential(): string | undefined {
    return this.token;
  }

  /** Creates an account. Does not log in. */
  async register(body: RegisterBody): Promise<{ account: AccountView }> {
    return this.request('POST', '/v1/auth/register', body);
  }

  /**
   * Logs this device in; the client keeps the token (or CSRF token) for later calls. When the
   * server asks for email verification (a new device, or too many devices online), the promise
   * waits until the owner opens the emailed link and then resolves with the session;
   * `onVerification` is told first, so an app can say "check your email".
   */
  async login(
    body: LoginBody,
    options: { onVerification?: (verification: LoginPending['verification']) => void } = {},
  ): Promise<LoginResponse> {
    const result = await this.startLogin(body);
    if (!('verification' in result)) return result;
    options.onVerification?.(result.verification);
    return this.waitForLogin(result.verification);
  }

  /**
   * A login that returns at once: the session, or the pending verification to wait on. When the
   * server asks for human verification (a risky login), the client solves the proof-of-work
   * challenge itself (a fraction of a second) and sends the login again, once.
   */
  async startLogin(body: LoginBody): Promise<LoginResponse | LoginPending> {
    let result: LoginResponse | LoginPending;
    try {
      result = await this.request<LoginResponse | LoginPending>('POST', '/v1/auth/login', body);
    } catch (error) {
      if (!(error instanceof LockstepApiError) || error.code !== 'HUMAN_VERIFICATION_REQUIRED') throw error;
      const humanProof = await this.solveHumanChallenge();
      result = await this.request<LoginResponse | LoginPending>('POST', '/v1/auth/login', {
        ...body,
        humanProof,
      });
    }
    if (!('verification' in result)) this.keep(result);
    return result;
  }

  /** Fetches and solves a proof-of-work challenge; the answer is the login's `humanProof`. */
  async solveHumanChallenge(): Promise<string> {
    const challenge = await this.request<HumanChallengeView>('GET', '/v1/auth/human-challenge');
    const { promise } = solveChallenge(
      challenge.challenge,
      challenge.salt,
      challenge.algorithm,
      challenge.maxnumber ?? 1_000_000,
    );
    const solution = await promise;
    if (!solution) throw new Error('the human-verification challenge has no solution in its range');
    const payload = { ...challenge, number: solution.number };
    delete (payload as { maxnumber?: number }).maxnumber;
    return btoa(JSON.stringify(payload));
  }

  /** Waits (long polls) until a pending login's emailed link is opened; then keeps its session. */
  async waitForLogin(verification: { id: string; waitToken: string }): Promise<LoginResponse> {
    for (;;) {
      const result = await this.request<LoginResponse | LoginPending>('POST', '/v1/auth/login/wait', {
        id: verification.id,
        waitToken: verification.waitToken,
      });
      if (!('verification' in result)) {
        this.keep(result);
        return result;
      }
    }
  }

  /** QR login, on the device that is not logged in: a code to show as a QR (valid two minutes). */
  startQrLogin(body: QrStartBody): Promise<QrStartView> {
    return this.request('POST', '/v1/auth/qr', body);
  }

  /**
   * Waits (long polls) until a phone confirms the QR code; then keeps the fresh session.
   * `onStatus` hears "scanned" when a phone has scanned it but not yet confirmed.
   */
  async waitForQrLogin(
    qr: { id: string; waitToken: string },
    options: { onStatus?: (status: 'pending' | 'scanned') => void } = {},
  ): Promise<LoginResponse> {
    let seen: 'pending' | 'scanned' = 'pending';
    for (;;) {
      const result: LoginResponse | QrPending = await this.request<LoginResponse | QrPending>(
        'POST',
        '/v1/auth/qr/wait',
        {
          id: qr.id,
          waitToken: qr.waitToken,
          seen,
        },
      );
      if (!('qr' in result)) {
        this.keep(result);
        return result;
      }
      if (result.qr.status !== seen) options.onStatus?.(result.qr.status);
      seen = result.qr.status;
    }
  }

  /** On a logged-in phone: what device a scanned QR code would log in. Logs no one in. */
  scanQr(code: string): Promise<{ request: QrRequestView }> {
    return this.request('POST', '/v1/auth/qr/scan', { code });
  }

  /** On a logged-in phone: confirms a scanned QR code; the waiting device gets its session. */
  approveQr(code: string): Promise<{ request: QrRequestView }> {
    return this.request('POST', '/v1/auth/qr/approve', { code });
  }

  /** Approves a waiting login with the token of its emailed link (what the link's page does). */
  verifyLogin(token: string): Promise<ApprovedLoginView> {
    return this.request('POST', '/v1/auth/verify-login', { token });
  }

  private keep(result: LoginResponse): void {
    if (result.token) this.token = result.token;
    if (result.csrfToken) this.csrfToken = result.csrfToken;
  }

  /** Logs this device out and forgets its credential. */
  async logout(): Promise<RevokeResult> {
    const result = await this.request<RevokeResult>('POST', '/v1/auth/logout');
    this.forget('logout', 'This device was logged out.');
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
    this.forget('logout_all', 'This device was signed out when every device of the account was logged out.');
    return result;
  }

  /**
   * Re-authenticates for sensitive actions (withdrawals, API keys, security changes). The server
   * rotates the session's token; this client switches to the new one.
   */
  async stepUp(body: StepUpBody): Promise<StepUpResult> {
    const result = await this.request<StepUpResult>('POST', '/v1/auth/step-up', body);
    if (result.token) this.token = result.token;
    if (result.csrfToken) this.csrfToken = result.csrfToken;
    return result;
  }

  /** Security settings: 2FA, anti-phishing code, withdrawal hold. */
  security(): Promise<{ security: SecurityView }> {
    return this.request('GET', '/v1/security');
  }

  /** Starts turning 2FA on (after a step-up): the secret, its otpauth URI and an SVG QR code. */
  beginTwoFactor(): Promise<TotpSetupView> {
    return this.request('POST', '/v1/security/2fa/setup');
  }

  /** Confirms the setup with a first code; returns the ten recovery codes, shown only now. */
  enableTwoFactor(code: string): Promise<RecoveryCodesView> {
    return this.request('POST', '/v1/security/2fa/enable', { code });
  }

  /** Turns 2FA off (after a step-up) with a current or recovery code. */
  disableTwoFactor(code: string): Promise<{ security: SecurityView }> {
    return this.request('POST', '/v1/security/2fa/disable', { code });
  }

  /** Changes the password; every other device of the account is signed out. */
  changePassword(body: ChangePasswordBody): Promise<{ security: SecurityView }> {
    return this.request('POST', '/v1/security/password', body);
  }

  /** Sets the phrase every Lockstep email shows (after a step-up). */
  setAntiPhishingCode(code: string): Promise<{ security: SecurityView }> {
    return this.request('PUT', '/v1/security/anti-phishing-code', { code });
  }

  /** Whether a login from a new device holds withdrawals for 48 hours (after a step-up). */
  setSecurityPolicy(policy: { newDeviceWithdrawalHold: boolean }): Promise<{ security: SecurityView }> {
    return this.request('PUT', '/v1/security/policy', policy);
  }

  /** Security alerts nobody has answered yet (logins from new devices). */
  securityAlerts(): Promise<{ alerts: SecurityAlertView[] }> {
    return this.request('GET', '/v1/security/alerts');
  }

  /** "It was me": closes the alert on every device. */
  confirmAlert(alertId: string): Promise<{ alert: SecurityAlertView }> {
    return this.request('POST', `/v1/security/alerts/${encodeURIComponent(alertId)}/confirm`);
  }

  /**
   * "Not me": signs out every device (this one too) and every API key, locks login and emails a
   * password-reset link. The client forgets its credential.
   */
  async denyAlert(alertId: string): Promise<{ alert: SecurityAlertView }> {
    const result = await this.request<{ alert: SecurityAlertView }>(
      'POST',
      `/v1/security/alerts/${encodeURIComponent(alertId)}/deny`,
    );
    this.forget('not_me', 'Every device was signed out because a login was reported as "Not me".');
    return result;
  }

  /** Sets a new password with the token of an emailed reset link (no session needed). */
  resetPassword(body: PasswordResetBody): Promise<{ reset: true }> {
    return this.request('POST', '/v1/auth/password-reset', body);
  }

  securityLog(query: PageQuery = {}): Promise<SecurityLogPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.before !== undefined) params.set('before', String(query.before));
    const qs = params.toString();
    return this.request('GET', `/v1/security/log${qs ? `?${qs}` : ''}`);
  }

  loginHistory(query: PageQuery = {}): Promise<LoginHistoryPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.before !== undefined) params.set('before', String(query.before));
    const qs = params.toString();
    return this.request('GET', `/v1/login-history${qs ? `?${qs}` : ''}`);
  }

  /** The account's API keys (never their keys or secrets). */
  apiKeys(): Promise<ApiKeyList> {
    return this.request('GET', '/v1/api-keys');
  }

  /**
   * Creates an API key (after a step-up). The answer carries the key, and for HMAC_SHA256 the
   * secret: both are shown only this once.
   */
  createApiKey(body: CreateApiKeyBody): Promise<ApiKeyCreated> {
    return this.request('POST', '/v1/api-keys', body);
  }

  /** Edits a key's label, permissions or IP whitelist (after a step-up). */
  updateApiKey(id: string, body: UpdateApiKeyBody): Promise<{ apiKey: ApiKeyView }> {
    return this.request('PATCH', `/v1/api-keys/${encodeURIComponent(id)}`, body);
  }

  /** Deletes a key (after a step-up); requests signed with it are refused at once. */
  deleteApiKey(id: string): Promise<{ apiKey: ApiKeyView }> {
    return this.request('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`);
  }

  /** Places an order; resolves once it is durable, with its state and its fills. */
  placeOrder(body: PlaceOrderBody): Promise<{ order: OrderView; fills: MyTradeView[] }> {
    return this.request('POST', '/v1/orders', body);
  }

  /** One-click close: cancels the symbol's open orders and sells the whole base holding at market. */
  closePosition(symbol: string): Promise<{ orders: OrderView[]; fills: MyTradeView[] }> {
    return this.request('POST', `/v1/positions/${encodeURIComponent(symbol)}/close`);
  }

  /** Order history, newest first; `startTime` and `endTime` (ms, inclusive) bound when orders were placed. */
  orders(
    query: {
      symbol?: string;
      status?: OrderView['status'];
      beforeId?: number;
      startTime?: number;
      endTime?: number;
      limit?: number;
    } = {},
  ): Promise<{
    orders: OrderView[];
  }> {
    return this.request('GET', `/v1/orders${queryString(query)}`);
  }

  /** The account's fills, newest first; `fromId` (the oldest `limit` from it) and `orderId` need `symbol`. */
  myTrades(
    query: {
      symbol?: string;
      fromId?: number;
      orderId?: number;
      startTime?: number;
      endTime?: number;
      limit?: number;
    } = {},
  ): Promise<{
    trades: MyTradeView[];
  }> {
    return this.request('GET', `/v1/my-trades${queryString(query)}`);
  }

  /** One order in its latest state. */
  getOrder(symbol: string, orderId: number): Promise<{ order: OrderView }> {
    return this.request('GET', `/v1/orders/${encodeURIComponent(symbol)}/${orderId}`);
  }

  /** The order placed with this client order id: the open one, else the most recent closed one. */
  getOrderByClientId(symbol: string, clientOrderId: string): Promise<{ order: OrderView }> {
    return this.request(
      'GET',
      `/v1/orders/${encodeURIComponent(symbol)}/client/${encodeURIComponent(clientOrderId)}`,
    );
  }

  /** Cancels one open order. */
  cancelOrder(symbol: string, orderId: number): Promise<{ order: OrderView }> {
    return this.request('DELETE', `/v1/orders/${encodeURIComponent(symbol)}/${orderId}`);
  }

  /** Cancels the open order placed with this client order id. */
  cancelOrderByClientId(symbol: string, clientOrderId: string): Promise<{ order: OrderView }> {
    return this.request(
      'DELETE',
      `/v1/orders/${encodeURIComponent(symbol)}/client/${encodeURIComponent(clientOrderId)}`,
    );
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

  /** Operators: mines one block of the simulated chain now (deposit confirmations, withdrawal steps). */
  adminMineBlock(adminToken: string): Promise<{ block: ChainBlockView }> {
    return this.request('POST', '/v1/admin/chain/blocks', undefined, {
      'x-lockstep-admin-token': adminToken,
    });
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

  // ---- Sync: snapshot, KYC, preferences, watchlists, price alerts, notifications (B1, B4) ----

  /** Everything a device shows, tagged with the stream position (`seq`) to follow the stream from. */
  snapshot(): Promise<AccountSnapshot> {
    return this.request('GET', '/v1/account/snapshot');
  }

  /** The account's KYC status. */
  kyc(): Promise<{ kyc: KycView }> {
    return this.request('GET', '/v1/kyc');
  }

  /** Cloud sync and notification preferences: the account's categories and each device's switch. */
  preferences(): Promise<{ preferences: PreferencesView }> {
    return this.request('GET', '/v1/preferences');
  }

  /**
   * Changes cloud sync, the account's notification categories, or this device's own notification
   * switch (`deviceNotifications`).
   */
  updatePreferences(body: UpdatePreferencesBody): Promise<{ preferences: PreferencesView }> {
    return this.request('PATCH', '/v1/preferences', body);
  }

  /** The watchlists kept on the server (used while cloud sync is on). */
  watchlists(): Promise<{ watchlists: WatchlistView[] }> {
    return this.request('GET', '/v1/watchlists');
  }

  /** Creates or replaces a watchlist on the server; refused (409 CLOUD_SYNC_OFF) while cloud sync is off. */
  putWatchlist(name: string, symbols: string[]): Promise<{ watchlist: WatchlistView }> {
    return this.request('PUT', `/v1/watchlists/${encodeURIComponent(name)}`, { symbols });
  }

  /** Deletes a watchlist on the server; refused (409 CLOUD_SYNC_OFF) while cloud sync is off. */
  deleteWatchlist(name: string): Promise<{ deleted: string }> {
    return this.request('DELETE', `/v1/watchlists/${encodeURIComponent(name)}`);
  }

  /** The account's price alerts, shared by every device. */
  priceAlerts(): Promise<{ priceAlerts: PriceAlertView[] }> {
    return this.request('GET', '/v1/price-alerts');
  }

  /** Creates a price alert, triggered once by the first trade at or beyond its price. */
  createPriceAlert(body: CreatePriceAlertBody): Promise<{ priceAlert: PriceAlertView }> {
    return this.request('POST', '/v1/price-alerts', body);
  }

  deletePriceAlert(id: string): Promise<{ priceAlert: PriceAlertView }> {
    return this.request('DELETE', `/v1/price-alerts/${encodeURIComponent(id)}`);
  }

  /** The notification centre, newest first; pass `nextBefore` as `before` for the next page. */
  notifications(query: NotificationQuery = {}): Promise<NotificationPage> {
    return this.request(
      'GET',
      `/v1/notifications${queryString({ ...query, unreadOnly: query.unreadOnly?.toString() })}`,
    );
  }

  /** Marks notifications read on every device: `{ ids }` or `{ upTo }`. */
  markNotificationsRead(body: MarkReadBody): Promise<MarkReadResult> {
    return this.request('POST', '/v1/notifications/read', body);
  }

  /** Operator: sets an account's KYC status; every device of the account sees it at once. */
  adminKyc(adminToken: string, body: AdminKycBody): Promise<{ email: string; kyc: KycView }> {
    return this.request('POST', '/v1/admin/kyc', body, { 'x-lockstep-admin-token': adminToken });
  }

  /**
   * The SDK's live copy of this account: `start()` it to load a snapshot and follow the stream.
   * A logout of this client stops it and clears it.
   *
   * @example
   * const live = client.live({ storage: localStorage });
   * await live.start();
   */
  live(options: LiveAccountOptions = {}): LiveAccount {
    const live = new LiveAccount(this, options);
    this.liveAccounts.add(live);
    live.on('status', (status) => {
      if (status === 'closed' || status === 'revoked') this.liveAccounts.delete(live);
    });
    return live;
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

  /** Operator: lifts an account's failed-login lock. */
  adminUnlock(
    adminToken: string,
    body: { email: string },
  ): Promise<{ email: string; passwordResetRequired: boolean }> {
    return this.request('POST', '/v1/admin/unlock', body, { 'x-lockstep-admin-token': adminToken });
  }

  /** Lifts the failed-login lock with the token of the emailed unlock link (no session needed). */
  unlockLogin(token: string): Promise<{ unlocked: true }> {
    return this.request('POST', '/v1/auth/unlock-login', { token });
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
    if (this.signer) headers['x-mbx-apikey'] = this.signer.key;
    else if (this.token) headers.authorization = `Bearer ${this.token}`;
    else if (this.csrfToken && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    const bodyText = body === undefined ? undefined : JSON.stringify(body);
    const init: RequestInit = {
      method,
      headers,
      body: bodyText,
      credentials: 'same-origin',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? requestTimeoutMs),
    };
    // A signed request is signed again for a second attempt: the server refuses replays.
    const url = async () =>
      `${this.baseUrl}${this.signer ? await this.signedPath(path, bodyText ?? '') : path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(await url(), init);
    } catch (error) {
      // A kept-alive connection may have been closed by a server restart just before this request
      // went out on it; a read is safe to send once more on a fresh connection.
      if (method !== 'GET') throw error;
      response = await this.fetchImpl(await url(), init);
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

  /** The path with its query signed by this client's API key, at a fresh timestamp. */
  private async signedPath(path: string, body: string): Promise<string> {
    const question = path.indexOf('?');
    const query = question < 0 ? '' : path.slice(question + 1);
    // Strictly increasing, so two identical requests within one millisecond are not one replayed.
    const timestamp = Math.max((this.options.now ?? Date.now)(), this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    return `${question < 0 ? path : path.slice(0, question)}?${await this.signer!.signQuery(query, body, timestamp)}`;
  }

  /** Forgets the credential; live accounts of this client forget the account and stop. */
  private forget(reason: RevokeReason, message: string): void {
    this.token = undefined;
    this.csrfToken = undefined;
    for (const live of [...this.liveAccounts]) live.revoke({ reason, message });
    this.liveAccounts.clear();
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
