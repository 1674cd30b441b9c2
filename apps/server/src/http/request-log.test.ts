import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DebugRequestLog, lazyRequestLogger } from './request-log.ts';

/** A Fastify app with the request log and an error handler that, like the server's, answers 500. */
async function appLogging(level: string): Promise<{
  lines: Array<Record<string, unknown>>;
  close: () => Promise<void>;
  get: (url: string) => Promise<number>;
}> {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({
    logger: { level, stream },
    logController: new DebugRequestLog(),
    childLoggerFactory: lazyRequestLogger,
  });
  app.setErrorHandler((_error, _request, reply) => reply.status(500).send({ code: 'INTERNAL' }));
  app.get('/ok', () => ({ ok: true }));
  app.get('/boom', () => {
    throw new Error('store unavailable');
  });
  // A handler's own lines, and a route with a log level of its own.
  app.get('/own', (request) => {
    request.log.debug({ step: 'own' }, 'own debug line');
    request.log.info({ step: 'own' }, 'own info line');
    return request.log.child({ part: 'sub' }).level;
  });
  app.get('/chatty', { logLevel: 'debug' }, (request) => {
    request.log.debug('chatty debug line');
    return { level: request.log.level };
  });
  await app.ready();
  return {
    lines,
    close: () => app.close(),
    get: async (url) => (await app.inject({ method: 'GET', url })).statusCode,
  };
}

describe('request log lines', () => {
  it('logs nothing per request at info, but a 5xx at error with its method, URL and status', async () => {
    const app = await appLogging('info');
    expect(await app.get('/ok')).toBe(200);
    expect(await app.get('/missing')).toBe(404);
    expect(await app.get('/boom')).toBe(500);
    await app.close();
    const perRequest = app.lines.filter((l) => l.reqId !== undefined);
    expect(perRequest).toHaveLength(1);
    expect(perRequest[0]).toMatchObject({
      level: 50,
      msg: 'request failed',
      req: { method: 'GET', url: '/boom' },
      res: { statusCode: 500 },
    });
  });

  it('logs every request, twice, at debug', async () => {
    const app = await appLogging('debug');
    await app.get('/ok');
    await app.get('/missing');
    await app.close();
    const messages = app.lines.filter((l) => l.reqId !== undefined).map((l) => String(l.msg));
    expect(messages.filter((m) => m === 'incoming request')).toHaveLength(2);
    expect(messages.filter((m) => m === 'request completed')).toHaveLength(2);
    expect(messages.some((m) => m.startsWith('Route GET:/missing not found'))).toBe(true);
  });

  it("writes a handler's lines at enabled levels with the request id, and honours a route's level", async () => {
    const app = await appLogging('info');
    expect(await app.get('/own')).toBe(200);
    expect(await app.get('/chatty')).toBe(200);
    await app.close();
    const own = app.lines.filter((l) => l.step === 'own');
    expect(own.map((l) => l.msg)).toEqual(['own info line']);
    expect(own[0]).toMatchObject({ level: 30 });
    expect(typeof own[0]!.reqId).toBe('string');
    // The route at debug logs its debug lines, and Fastify's own request lines, at debug.
    const chatty = app.lines.filter((l) => l.level === 20);
    expect(chatty.map((l) => l.msg)).toEqual(['incoming request', 'chatty debug line', 'request completed']);
    expect(new Set(chatty.map((l) => l.reqId)).size).toBe(1);
  });

  it('makes a request its child logger only for a line at an enabled level, and once', () => {
    const lines: string[] = [];
    const made: unknown[] = [];
    const pino = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    }).log;
    const parent = Object.assign(Object.create(pino) as typeof pino, {
      child: (bindings: Record<string, unknown>) => {
        made.push(bindings);
        return pino.child(bindings);
      },
    });
    const log = lazyRequestLogger.call(undefined as never, parent, { reqId: 'r-1' }, {}, undefined as never);
    log.debug('not written');
    log.trace('not written');
    const pinoLike = log as typeof log & {
      isLevelEnabled: (level: string) => boolean;
      bindings: () => Record<string, unknown>;
    };
    expect([pinoLike.isLevelEnabled('debug'), pinoLike.isLevelEnabled('info')]).toEqual([false, true]);
    expect(made).toEqual([]);
    log.info('written');
    log.warn('written too');
    expect(made).toEqual([{ reqId: 'r-1' }]);
    expect(pinoLike.bindings()).toEqual({ reqId: 'r-1' });
    expect(lines.map((l) => (JSON.parse(l) as { reqId: string }).reqId)).toEqual(['r-1', 'r-1']);
  });
});
