import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerAccount, startTestServer, type TestServer } from '../support/server.ts';

/** Cookies as a browser would keep them: name → value, from Set-Cookie headers. */
function cookiesFrom(response: Response): { jar: Map<string, string>; raw: string[] } {
  const raw = response.headers.getSetCookie();
  const jar = new Map<string, string>();
  for (const line of raw) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { jar, raw };
}

describe('browser sessions: HttpOnly cookie plus CSRF defence', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.dispose();
  });

  async function browserLogin() {
    const account = await registerAccount(server);
    const response = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
      },
      body: JSON.stringify({ ...account, platform: 'web', cookie: true }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      token?: string;
      csrfToken?: string;
      session: { deviceName: string };
    };
    const { jar, raw } = cookiesFrom(response);
    const cookie = `lockstep_session=${jar.get('lockstep_session')}`;
    return { body, raw, jar, cookie };
  }

  it('puts the session in an HttpOnly SameSite cookie and never in the body', async () => {
    const { body, raw } = await browserLogin();
    expect(body.token).toBeUndefined();
    expect(body.csrfToken).toMatch(/^csrf_/);
    expect(body.session.deviceName).toBe('Chrome 120 on Linux');
    const session = raw.find((c) => c.startsWith('lockstep_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\//);
    const csrf = raw.find((c) => c.startsWith('lockstep_csrf='))!;
    expect(csrf).not.toMatch(/HttpOnly/);
  });

  it('marks cookies Secure when configured for https', async () => {
    await server.dispose();
    server = await startTestServer({ secureCookies: true });
    const { raw } = await browserLogin();
    expect(raw.every((c) => /; Secure/.test(c))).toBe(true);
  });

  it('allows reads with the cookie, refuses writes without the CSRF token or from another origin', async () => {
    const { body, cookie } = await browserLogin();
    const me = await fetch(`${server.url}/v1/me`, { headers: { cookie } });
    expect(me.status).toBe(200);

    const noToken = await fetch(`${server.url}/v1/sessions/revoke-others`, {
      method: 'POST',
      headers: { cookie },
    });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { code: string }).code).toBe('CSRF_FAILED');

    const wrongToken = await fetch(`${server.url}/v1/sessions/revoke-others`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': 'csrf_forged' },
    });
    expect(wrongToken.status).toBe(403);

    const foreign = await fetch(`${server.url}/v1/sessions/revoke-others`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': body.csrfToken!, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);

    const good = await fetch(`${server.url}/v1/sessions/revoke-others`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': body.csrfToken!, origin: server.url },
    });
    expect(good.status).toBe(200);
  });

  it('refuses a cookie WebSocket handshake from a foreign origin and accepts its own', async () => {
    const { cookie } = await browserLogin();
    const wsUrl = `${server.url.replace('http', 'ws')}/v1/ws`;
    const foreign = new WebSocket(wsUrl, { headers: { cookie, origin: 'https://evil.example' } });
    const status = await new Promise<number>((resolve) => {
      foreign.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      foreign.on('open', () => resolve(101));
    });
    expect(status).toBe(403);

    const own = new WebSocket(wsUrl, { headers: { cookie, origin: server.url } });
    const hello = await new Promise<{ type: string }>((resolve) =>
      own.on('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as { type: string })),
    );
    expect(hello.type).toBe('hello');
    own.close();
  });

  it('logout clears the cookies and kills the session', async () => {
    const { body, cookie } = await browserLogin();
    const out = await fetch(`${server.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': body.csrfToken! },
    });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('lockstep_session=;'))).toBe(true);
    const after = await fetch(`${server.url}/v1/me`, { headers: { cookie } });
    expect(after.status).toBe(401);
  });
});
