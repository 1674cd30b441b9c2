import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from './errors.ts';
import { refuseNonFiniteNumbers } from './finite-numbers.ts';

async function app() {
  const server = Fastify();
  installErrorHandling(server);
  refuseNonFiniteNumbers(server);
  server.post('/things/:id', () => ({ ok: true }));
  await server.ready();
  return server;
}

describe('refuseNonFiniteNumbers', () => {
  it('names the first infinite number of the query, the path or the body, and passes finite input', async () => {
    const server = await app();
    const answer = async (url: string, payload: string) => {
      const reply = await server.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/json' },
      });
      return [reply.statusCode, reply.json<{ field?: string }>().field ?? null];
    };
    expect(await answer('/things/1', '{"a":{"b":[1,2.5e3]},"c":-7}')).toEqual([200, null]);
    // JSON.parse turns 1e309 into Infinity; the path is the keys down to it.
    expect(await answer('/things/1', '{"a":{"b":[1,1e309]},"c":-1e309}')).toEqual([400, 'a.b.1']);
    expect(await answer('/things/1', '{"a":1,"c":-1e309}')).toEqual([400, 'c']);
    expect(await answer('/things/1', '1e309')).toEqual([400, 'body']);
    expect(await answer('/things/1?limit=1&x=2', '{}')).toEqual([200, null]);
    await server.close();
  });
});
