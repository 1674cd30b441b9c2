import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAdminToken } from '@lockstep/server';
import { signal, spawnServer } from '../support/child-server.ts';

/** The server's log lines (pino writes one JSON object per line to stdout). */
function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('what the server logs per request (the production entry point, its own process)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the server at `logLevel`, sends a few requests with credentials, stops it, returns its log. */
  async function logOf(
    logLevel: string,
  ): Promise<{ lines: Array<Record<string, unknown>>; text: string; secrets: string[] }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-logs-'));
    dirs.push(dataDir);
    const { child, url, stdout, stderr } = await spawnServer(dataDir, { logLevel });
    const adminToken = readAdminToken(dataDir);
    const bearer = 'lss_' + 'a'.repeat(43);
    try {
      for (let i = 0; i < 5; i += 1) expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/no-such-page`)).status).toBe(404);
      expect((await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(
        401,
      );
      const deposit = await fetch(`${url}/v1/admin/deposits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-lockstep-admin-token': adminToken },
        body: JSON.stringify({ email: 'nobody@example.test', asset: 'USDT', amount: '1' }),
      });
      expect(deposit.status).toBeLessThan(500);
    } finally {
      await signal(child, 'SIGTERM');
    }
    // A newcomer's terminal shows no warning (a deprecated option, say) at start or stop.
    expect(stderr()).not.toMatch(/warning|deprecat/i);
    return { lines: logLines(stdout()), text: stdout(), secrets: [adminToken, bearer] };
  }

  it('logs no line per request at the default level, only what happens to the exchange', async () => {
    const { lines, text } = await logOf('info');
    expect(text).toContain('Lockstep is running at');
    // The log is on (the start is logged), it just has no line per request.
    expect(lines.map((l) => l.msg)).toContain('breached-password list loaded');
    expect(lines.filter((l) => l.req !== undefined || l.res !== undefined)).toEqual([]);
    expect(lines.map((l) => l.msg)).not.toContain('request completed');
  });

  it('logs each request at debug, without credentials', async () => {
    const { lines, text, secrets } = await logOf('debug');
    const completed = lines.filter((l) => l.msg === 'request completed');
    // healthz ×5, the 404, the 401 and the operator's deposit.
    expect(completed.length).toBe(8);
    expect(lines.filter((l) => l.msg === 'incoming request').length).toBe(8);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
