import {
  LogController,
  type FastifyBaseLogger,
  type FastifyServerOptions,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

/**
 * Fastify's per-request log lines ("incoming request", "request completed", "Route … not found")
 * at `debug` instead of `info`. At `info`, the level `npm start` runs at, they were two lines a
 * request: at 10,000 requests/s a flood no terminal keeps up with, and about 15 % of the server
 * under bench:orders. A request answered with a 5xx is still logged at `error`, with its method,
 * URL and status, since the error handler's own line carries only the error; a request that failed
 * while its answer was written keeps Fastify's `error` line.
 */
export class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    if (reply.statusCode >= 500) {
      reply.log.error({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request failed');
      return;
    }
    reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    const { url, method } = request.raw;
    request.log.debug(`Route ${method ?? ''}:${url ?? ''} not found`);
  }
}

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;
type Bindings = Parameters<ChildLoggerFactory>[1];
type ChildOptions = Parameters<ChildLoggerFactory>[2];
type LineLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type PinoLike = FastifyBaseLogger & {
  isLevelEnabled?: (level: string) => boolean;
  bindings?: () => Record<string, unknown>;
};

/**
 * Each request's logger, made when the request first writes a line at an enabled level. Fastify
 * makes a pino child per request, and pino serializes the child's bindings (the request id) as it
 * is made: about 1 % of the server's thread under bench:orders, for requests that almost never
 * log (their own lines are at debug, above). One object a request, its methods on the prototype.
 */
class LazyRequestLogger {
  // Private names (#), so that no field shadows a pino method a caller might look for.
  readonly #parent: PinoLike;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: PinoLike, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get level(): string {
    return this.#made().level;
  }

  set level(level: string) {
    this.#made().level = level;
  }

  fatal(...args: unknown[]): void {
    this.#line('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#line('error', args);
  }
  warn(...args: unknown[]): void {
    this.#line('warn', args);
  }
  info(...args: unknown[]): void {
    this.#line('info', args);
  }
  debug(...args: unknown[]): void {
    this.#line('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#line('trace', args);
  }
  silent(): void {}

  // pino's own methods beyond Fastify's logger type, for code written against pino.
  isLevelEnabled(level: string): boolean {
    const logger: PinoLike = this.#child ?? (this.#options.level === undefined ? this.#parent : this.#made());
    return logger.isLevelEnabled?.(level) ?? true;
  }

  bindings(): Record<string, unknown> {
    return (this.#made() as PinoLike).bindings?.() ?? { ...this.#bindings };
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options);
  }

  #line(level: LineLevel, args: unknown[]): void {
    // A route's own log level applies to its child only, so such a request makes it to ask.
    if (
      this.#child === undefined &&
      this.#options.level === undefined &&
      this.#parent.isLevelEnabled?.(level) === false
    )
      return;
    const child = this.#made();
    Reflect.apply(child[level], child, args);
  }

  #made(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }
}

export const lazyRequestLogger: ChildLoggerFactory = (parent, bindings, options) =>
  new LazyRequestLogger(parent, bindings, options);
