import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AccountEvent, ServerMessage } from '@lockstep/protocol';
import { loginDevice, registerAccount, startTestServer, type TestServer } from '../support/server.ts';

/** A raw socket that records every message, for checking the wire protocol itself. */
function rawSocket(server: TestServer, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, { headers });
  const messages: ServerMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString()) as ServerMessage);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  async function until(test: (m: ServerMessage[]) => boolean): Promise<ServerMessage[]> {
    while (!test(messages)) await new Promise<void>((resolve) => waiters.push(resolve));
    return messages;
  }
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  return { ws, messages, until, closed, opened };
}

describe('the account event stream on /v1/ws', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ wsAuthTimeoutMs: 200 });
  });
  afterEach(async () => {
    await server.dispose();
  });

  it('numbers session changes gap-free and replays what a device missed', async () => {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop');
    await loginDevice(server, account, 'ios');
    const web = await loginDevice(server, account, 'web');
    await web.logoutDevice((await web.sessions()).sessions.find((s) => s.platform === 'ios')!.id);

    const connection = desktop.connect({ since: 0 });
    const events: AccountEvent[] = [];
    connection.on('event', (e) => events.push(e));
    const replayed = await connection.next('replayed');
    // Logins from new devices also move the withdrawal hold (security.updated); the session
    // changes come in order among them, and the numbers have no gap.
    expect(events.filter((e) => e.type.startsWith('session.')).map((e) => e.type)).toEqual([
      'session.created',
      'session.created',
      'session.created',
      'session.revoked',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(replayed.seq).toBe(events.length);

    // Events after the replay arrive live, continuing the numbering.
    const live = connection.next('event');
    await loginDevice(server, account, 'android');
    expect((await live).seq).toBe(replayed.seq + 1);
    const head = (await desktop.me()).stream.seq;

    // A device that held seq 2 gets exactly 3..head.
    const resumed = desktop.connect({ since: 2, epoch: replayed.epoch });
    const seqs: number[] = [];
    resumed.on('event', (e) => seqs.push(e.seq));
    await resumed.next('replayed');
    expect(seqs).toEqual(Array.from({ length: head - 2 }, (_, i) => i + 3));
    connection.close();
    resumed.close();
  });

  it('answers reset when the epoch differs or the device claims a future seq', async () => {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop');
    const wrongEpoch = desktop.connect({ since: 1, epoch: 'not-this-one' });
    const reset = await wrongEpoch.next('reset');
    expect(reset.seq).toBe(1);
    expect(reset.reason).toBe('epoch changed');
    const future = desktop.connect({ since: 99 });
    expect((await future.next('reset')).reason).toBe('ahead of the stream');
    wrongEpoch.close();
    future.close();
  });

  it('authenticates by Authorization header at the handshake, never by URL', async () => {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop');
    const socket = rawSocket(server, { authorization: `Bearer ${desktop.credential}` });
    const [hello] = await socket.until((m) => m.length >= 1);
    expect(hello?.type).toBe('hello');
    socket.ws.close();
  });

  it('refuses a second subscription on the same connection', async () => {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop');
    const socket = rawSocket(server, { authorization: `Bearer ${desktop.credential}` });
    await socket.until((m) => m.some((x) => x.type === 'hello'));
    socket.ws.send(JSON.stringify({ type: 'subscribe', since: 0 }));
    await socket.until((m) => m.some((x) => x.type === 'replayed'));
    socket.ws.send(JSON.stringify({ type: 'subscribe', since: 0 }));
    const messages = await socket.until((m) => m.some((x) => x.type === 'error'));
    expect(messages.find((x) => x.type === 'error')).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(messages.filter((x) => x.type === 'replayed')).toHaveLength(1);
    socket.ws.close();
  });

  it('ignores a token put in the URL: the socket stays unauthenticated and is closed', async () => {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop');
    const token = desktop.credential!;
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/v1/ws?token=${token}&access_token=${token}`,
    );
    const received: string[] = [];
    ws.on('message', (d: Buffer) => received.push((JSON.parse(d.toString()) as ServerMessage).type));
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4401);
    expect(received).not.toContain('hello');
  });

  it('a second auth on one socket is refused and half-open sockets never use up the session', async () => {
    const account = await registerAccount(server);
    const desktop = await loginDevice(server, account, 'desktop');
    const token = desktop.credential!;
    const doubled = rawSocket(server);
    await doubled.opened;
    doubled.ws.send(JSON.stringify({ type: 'auth', token }));
    doubled.ws.send(JSON.stringify({ type: 'auth', token }));
    const messages = await doubled.until(
      (m) => m.some((x) => x.type === 'hello') && m.some((x) => x.type === 'error'),
    );
    expect(messages.filter((x) => x.type === 'hello')).toHaveLength(1);
    doubled.ws.close();
    // Twenty devices that drop right after the handshake, more than the per-session socket limit.
    for (let i = 0; i < 20; i += 1) {
      const dropped = rawSocket(server, { authorization: `Bearer ${token}` });
      await dropped.opened;
      dropped.ws.terminate();
      await dropped.closed;
    }
    const fresh = desktop.connect();
    expect((await fresh.next('hello')).type).toBe('hello');
    fresh.close();
  });

  it('refuses bad tokens and closes sockets that never authenticate', async () => {
    const bad = rawSocket(server);
    await bad.opened;
    bad.ws.send(JSON.stringify({ type: 'auth', token: 'lss_forged' }));
    const [error] = await bad.until((m) => m.length >= 1);
    expect(error).toMatchObject({ type: 'error', code: 'SESSION_INVALID' });
    expect(await bad.closed).toBe(4401);

    const silent = rawSocket(server);
    expect(await silent.closed).toBe(4401);
  });

  it('refuses upgrades on other paths, which stay free for the Binance-compatible API', async () => {
    for (const path of ['/ws', '/stream', '/ws-api/v3', '/v1/other']) {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`);
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
      expect(status).toBe(404);
    }
  });
});
