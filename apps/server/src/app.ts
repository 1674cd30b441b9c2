import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse, HealthResponse } from '@lockstep/protocol';
import { openPostgresStore, openSqliteStore, type Store } from '@lockstep/store';
import { resolveConfig, type ServerConfig, type ServerOptions } from './config.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './http/errors.ts';
import { DebugRequestLog, lazyRequestLogger } from './http/request-log.ts';
import { installSecurityHeaders, rawHttpAnswer } from './http/security-headers.ts';
import { credentialOf, sameOrigin } from './http/authentication.ts';
import { refuseNonFiniteNumbers } from './http/finite-numbers.ts';
import { AuthService } from './services/auth-service.ts';
import { createMemoryBus, type EventBus } from './services/event-bus.ts';
import { RealtimeHub } from './realtime/hub.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { tradingRoutes } from './routes/trading-routes.ts';
import { marketRoutes } from './routes/market-routes.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { chainAdminRoutes, walletRoutes } from './routes/wallet-routes.ts';
import { WalletService } from './trading/wallet-service.ts';
import { ensureAdminToken } from './security/admin-token.ts';
import { TradingService } from './trading/trading-service.ts';
import { LiquidityBot } from './trading/liquidity-bot.ts';
import { SimulatedChain } from './trading/simulated-chain.ts';
import { loadBreachedPasswords } from './security/breached-passwords.ts';
import { SecretBox } from './security/secret-box.ts';
import { createMailer } from './mail/mailer.ts';
import { devMailRoutes } from './routes/dev-mail-routes.ts';
import { securityRoutes } from './routes/security-routes.ts';
import { linkRoutes } from './routes/link-routes.ts';
import { SecurityService } from './services/security-service.ts';
import { revokeAllApiKeys } from './services/api-key-service.ts';
import { ApiKeyService } from './services/api-key-service.ts';
import { apiKeyRoutes } from './routes/api-key-routes.ts';
import { commitWithEvents } from './services/account-stream.ts';
import { SyncService } from './services/sync-service.ts';
import { kycAdminRoutes, syncRoutes } from './routes/sync-routes.ts';

/** A running Lockstep server and the parts tests reach into. */
export interface LockstepServer {
  app: FastifyInstance;
  config: ServerConfig;
  store: Store;
  hub: RealtimeHub;
  auth: AuthService;
  trading: TradingService;
  /** The demo liquidity bot, when `demoBot` is on. */
  liquidityBot: LiquidityBot | undefined;
  /** The simulated chain of deposits and withdrawals; tests mine its blocks by hand. */
  chain: SimulatedChain;
  metrics: Metrics;
  /** The base URL, once listening. */
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the server on embedded storage and starts listening. `port: 0` picks a free port, which
 * is what tests use.
 */
export async function startServer(options: ServerOptions = {}): Promise<LockstepServer> {
  const config = resolveConfig(options);
  const store = config.postgresUrl
    ? await openPostgresStore(config.postgresUrl, { schema: config.postgresSchema })
    : await openSqliteStore(join(config.dataDir, 'lockstep.db'));
  const bus = options.bus ?? createMemoryBus();
  const metrics = createMetrics();
  const auth = new AuthService(store, bus, config);
  const hub = new RealtimeHub(auth, store, bus, config, metrics.hub);
  // Counted once the HTTP server exists; group commit lets the loop turn while it grows.
  let acceptedConnections = 0;
  // The engine host starts before the HTTP app that owns the logger; failures found before that
  // are thrown by the start itself.
  const engineLog: { current?: FastifyBaseLogger } = {};
  const trading = await TradingService.start(store, bus, {
    now: config.now,
    queueMax: config.engineQueueMax,
    metrics: metrics.engine,
    observer: {
      ...metrics.engine,
      commitFailed: (error) => {
        metrics.engine.commitFailed(error);
        engineLog.current?.error(
          { err: error },
          'an engine batch failed to commit; none of its commands was acknowledged',
        );
      },
      snapshotFailed: (error) => {
        metrics.engine.snapshotFailed(error);
        engineLog.current?.error(
          { err: error },
          'writing an engine snapshot failed; the next batch tries again',
        );
      },
      clockWentBack: (byMs, held) => {
        if (held)
          engineLog.current?.warn(
            { byMs },
            'the clock went back; trading times stay at the last batch time until it catches up',
          );
        else
          engineLog.current?.error(
            { byMs },
            'the clock went back further than trading times are held; they now follow the clock',
          );
      },
    },
    acceptedConnections: () => acceptedConnections,
  });
  hub.attachMarketFeed(trading.feed, trading.symbols());
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir });
  const box = SecretBox.open(config.dataDir, config.secretKey);
  const securityService = new SecurityService(store, config, auth, box, mailer, (fn) =>
    commitWithEvents(store, bus, config.now(), fn),
  );
  const apiKeys = new ApiKeyService(
    store,
    config,
    box,
    (fn) => commitWithEvents(store, bus, config.now(), fn),
    securityService,
  );
  auth.useLoginGuard(securityService);
  // "Not me" ends every API key too, in the same transaction as the sessions.
  securityService.onLockOut = async (repos, emit, accountId, at) => {
    await revokeAllApiKeys(repos, emit, accountId, at, 'not_me');
  };
  const wallet = new WalletService(store, bus, trading, config.now, (principal) =>
    securityService.assertWithdrawalAllowed(principal),
  );
  const chain = new SimulatedChain({ wallet, store, blockMs: config.chainBlockMs });
  const sync = new SyncService(store, config, (fn) => commitWithEvents(store, bus, config.now(), fn), {
    auth,
    trading,
    wallet,
    security: securityService,
    apiKeys,
  });
  await sync.start();
  trading.batchHooks.current = sync;
  const app = await buildHttp({
    config,
    store,
    bus,
    metrics,
    auth,
    hub,
    trading,
    wallet,
    securityService,
    apiKeys,
    sync,
    chain,
  });
  app.server.on('connection', () => {
    acceptedConnections += 1;
  });
  engineLog.current = app.log;
  securityService.onMailError = (error) => app.log.error({ err: error }, 'sending a security email failed');
  chain.log = app.log;
  const breached = loadBreachedPasswords();
  app.log.info({ entries: breached.size, sources: breached.sourceSizes }, 'breached-password list loaded');
  const liquidityBot = config.demoBot
    ? new LiquidityBot({ trading, store, auth, log: app.log, intervalMs: config.demoBotIntervalMs })
    : undefined;
  try {
    // Credits confirmed deposits and settles withdrawals a stop interrupted, before serving.
    await wallet.resume();
    await liquidityBot?.start();
    if (liquidityBot) sync.quietAccounts.add(liquidityBot.account);
  } catch (error) {
    // Nothing is listening yet; release what was opened so a failed start leaves nothing behind.
    hub.close();
    await app.close();
    await trading.close();
    await mailer.close();
    await store.close();
    throw error;
  }
  // A deep accept queue: when every device of a busy server reconnects at once (a network blip, a
  // restart), Node's default 511 overflows and each dropped handshake waits for TCP's SYN retry
  // (1, 3, 7 s…). The kernel caps it at net.core.somaxconn.
  await app.listen({ port: config.port, host: config.host, backlog: 4096 });
  chain.start();
  // Expired sessions leave every device's list as revocations (a store error waits for the next round).
  const sessionSweep = setInterval(
    () => void auth.expireSessions().catch(() => undefined),
    config.sessionSweepMs,
  );
  sessionSweep.unref();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  securityService.publicUrl = () => config.publicUrl ?? url;
  return {
    app,
    config,
    store,
    hub,
    auth,
    trading,
    liquidityBot,
    chain,
    metrics,
    url,
    async close() {
      // The bot and the chain submit to the trading host, so they stop before anything they rely on.
      await liquidityBot?.stop();
      await chain.stop();
      clearInterval(sessionSweep);
      hub.close();
      securityService.close();
      await app.close();
      await trading.close();
      await mailer.close();
      await store.close();
    },
  };
}

interface Parts {
  config: ServerConfig;
  store: Store;
  bus: EventBus;
  metrics: Metrics;
  auth: AuthService;
  hub: RealtimeHub;
  trading: TradingService;
  wallet: WalletService;
  securityService: SecurityService;
  apiKeys: ApiKeyService;
  sync: SyncService;
  chain: SimulatedChain;
}

async function buildHttp({
  config,
  store,
  metrics,
  auth,
  hub,
  trading,
  wallet,
  securityService,
  apiKeys,
  sync,
  chain,
}: Parts): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Credentials never reach the logs.
      redact: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'req.headers["x-mbx-apikey"]',
        'req.headers["x-lockstep-admin-token"]',
        'res.headers["set-cookie"]',
      ],
    },
    logController: new DebugRequestLog(),
    childLoggerFactory: lazyRequestLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    frameworkErrors,
    clientErrorHandler,
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app);
  refuseNonFiniteNumbers(app);
  app.addSchema(ErrorResponse);
  await app.register(cookie);
  installSecurityHeaders(app);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Lockstep native API', version: '1' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'lockstep_session' },
          // Binance-style signed requests: this header plus timestamp, recvWindow and signature.
          apiKey: { type: 'apiKey', in: 'header', name: 'X-MBX-APIKEY' },
        },
      },
    },
  });
  instrument(app, metrics);
  await app.register(authRoutes, { auth, config, metrics, store, hub, securityService });
  await app.register(sessionRoutes, { auth, config, metrics, store, hub, apiKeys });
  await app.register(tradingRoutes, { auth, config, metrics, store, hub, trading, apiKeys });
  await app.register(marketRoutes, { auth, config, metrics, store, hub, trading });
  const adminTokenHash = ensureAdminToken(config.dataDir);
  await app.register(adminRoutes, {
    auth,
    config,
    metrics,
    store,
    hub,
    trading,
    adminTokenHash,
    securityService,
  });
  await app.register(walletRoutes, { auth, config, metrics, store, hub, wallet, apiKeys });
  await app.register(chainAdminRoutes, { auth, config, metrics, store, hub, wallet, chain, adminTokenHash });
  await app.register(securityRoutes, { auth, config, metrics, store, hub, securityService });
  await app.register(apiKeyRoutes, { auth, config, metrics, store, hub, apiKeys });
  await app.register(syncRoutes, { auth, config, metrics, store, hub, sync });
  await app.register(kycAdminRoutes, { auth, config, metrics, store, hub, sync, adminTokenHash });
  await app.register(linkRoutes, { auth, config, metrics, store, hub, securityService });
  // The development mailbox's page exists only while mail goes to the data folder, never with SMTP.
  if (!config.smtpUrl) await app.register(devMailRoutes, { dataDir: config.dataDir });
  registerSystemRoutes(app, store, metrics);
  attachWebSocket(app, hub);
  return app;
}

function instrument(app: FastifyInstance, metrics: Metrics): void {
  // A callback hook, not an async one: no promise and no extra microtask on every answer.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

function registerSystemRoutes(app: FastifyInstance, store: Store, metrics: Metrics): void {
  const startedAt = Date.now();
  app.get('/healthz', { schema: { tags: ['system'], response: { 200: HealthResponse } } }, async () => {
    await store.ping();
    return {
      status: 'ok' as const,
      storage: store.dialect,
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
    };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}

/** Routes `/v1/ws` upgrades to the hub; every other upgrade path is refused. */
function attachWebSocket(app: FastifyInstance, hub: RealtimeHub): void {
  app.server.on('upgrade', (request, socket, head) => {
    try {
      routeUpgrade(request, socket, head);
    } catch (error) {
      // An upgrade handler runs outside Fastify; a throw here would take the process down.
      app.log.error({ err: error }, 'websocket upgrade failed');
      socket.destroy();
    }
  });
  function routeUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/v1/ws') {
      socket.end(rawHttpAnswer('404 Not Found'));
      return;
    }
    const credential = credentialOf(request.headers);
    // A cookie rides along on any page's handshake, so a cookie-authenticated socket must come
    // from this server's own origin (cross-site WebSocket hijacking).
    if (credential?.via === 'cookie' && !sameOrigin(request.headers)) {
      socket.end(rawHttpAnswer('403 Forbidden'));
      return;
    }
    hub.handleUpgrade(request, socket, head, credential?.token ?? null);
  }
}
