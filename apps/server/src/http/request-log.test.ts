import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DebugRequestLog } from './request-log.ts';

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
  const app = Fastify({ logger: { level, stream }, logController: new DebugRequestLog() });
  app.setErrorHandler((_error, _request, reply) => reply.status(500).send({ code: 'INTERNAL' }));
  app.get('/ok', () => ({ ok: true }));
  app.get('/boom', () => {
    throw new Error('store unavailable');
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
});
