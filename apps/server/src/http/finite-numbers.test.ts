import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from './errors.ts';
import { mayHoldNumber, refuseNonFiniteNumbers } from './finite-numbers.ts';

async function app() {
  const server = Fastify();
  installErrorHandling(server);
  refuseNonFiniteNumbers(server);
  server.post('/things/:id', () => ({ ok: true }));
  await server.ready();
  return server;
}

/** POSTs a JSON text to `url`; answers with the status and the field the error names (or null). */
function answerOf(server: FastifyInstance) {
  return async (url: string, payload: string) => {
    const reply = await server.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    return [reply.statusCode, reply.json<{ field?: string }>().field ?? null];
  };
}

describe('refuseNonFiniteNumbers', () => {
  it('names the first infinite number of the query, the path or the body, and passes finite input', async () => {
    const server = await app();
    const answer = answerOf(server);
    expect(await answer('/things/1', '{"a":{"b":[1,2.5e3]},"c":-7}')).toEqual([200, null]);
    // JSON.parse turns 1e309 into Infinity; the path is the keys down to it.
    expect(await answer('/things/1', '{"a":{"b":[1,1e309]},"c":-1e309}')).toEqual([400, 'a.b.1']);
    expect(await answer('/things/1', '{"a":1,"c":-1e309}')).toEqual([400, 'c']);
    expect(await answer('/things/1', '1e309')).toEqual([400, 'body']);
    expect(await answer('/things/1?limit=1&x=2', '{}')).toEqual([200, null]);
    await server.close();
  });

  it('checks only the parts of a route whose schema can hold a number, and still refuses Infinity there', async () => {
    const server = Fastify();
    installErrorHandling(server);
    refuseNonFiniteNumbers(server);
    const seen: unknown[] = [];
    server.post(
      '/orders/:id',
      {
        schema: {
          params: Type.Object({ id: Type.Integer() }),
          body: Type.Object({ quantity: Type.String() }, { additionalProperties: false }),
        },
      },
      (request) => {
        seen.push((request.body as { quantity: unknown }).quantity);
        return { ok: true };
      },
    );
    await server.ready();
    const answer = answerOf(server);
    expect(await answer('/orders/1e309', '{"quantity":"1"}')).toEqual([400, 'params.id']);
    expect(await answer('/orders/7', '{"quantity":"0.5"}')).toEqual([200, null]);
    // The body is not walked, and no number reaches the handler: the schema makes it a string.
    expect(await answer('/orders/7', '{"quantity":1e309}')).toEqual([200, null]);
    expect(seen).toEqual(['0.5', 'Infinity']);
    await server.close();
  });
});

describe('mayHoldNumber', () => {
  it('is false only where no accepted input can be a number', () => {
    const closed = (properties: Parameters<typeof Type.Object>[0]) =>
      Type.Object(properties, { additionalProperties: false });
    const cannot = [
      Type.String(),
      Type.Literal('x'),
      Type.Boolean(),
      Type.Null(),
      Type.Array(Type.String()),
      Type.Union([Type.String(), Type.Literal('y')]),
      { anyOf: [Type.String(), Type.Boolean()], description: 'a flag or a name' },
      Type.String({ enum: ['a', 'b'] }),
      closed({ a: Type.String(), b: Type.Optional(closed({ c: Type.Array(Type.Boolean()) })) }),
    ];
    const can = [
      undefined,
      true,
      {},
      { $ref: 'Shared#' },
      Type.Number(),
      Type.Integer(),
      Type.Literal(5),
      Type.Unknown(),
      Type.Union([Type.String(), Type.Number()]),
      Type.Array(Type.Integer()),
      Type.Array(closed({ a: closed({ b: Type.Integer() }) })),
      Type.Object({ a: Type.String() }), // open to other properties
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
      { type: 'array' },
      { type: ['string', 'number'] },
      { enum: ['a', 1] },
      // A property beside the alternatives is validated too, and can be an integer.
      {
        anyOf: [{ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }],
        properties: { a: { type: 'integer' } },
      },
    ];
    for (const schema of cannot) expect([schema, mayHoldNumber(schema)]).toEqual([schema, false]);
    for (const schema of can) expect([schema, mayHoldNumber(schema)]).toEqual([schema, true]);
  });
});
