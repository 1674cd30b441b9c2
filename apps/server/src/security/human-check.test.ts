import { solveChallenge } from 'altcha-lib';
import { describe, expect, it } from 'vitest';
import { HumanCheck } from './human-check.ts';

async function solve(check: HumanCheck): Promise<string> {
  const challenge = await check.challenge();
  const solution = await solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber,
  ).promise;
  const { maxnumber: _max, ...rest } = challenge;
  void _max;
  return Buffer.from(JSON.stringify({ ...rest, number: solution!.number })).toString('base64');
}

describe('HumanCheck (ALTCHA proof-of-work)', () => {
  it('accepts a solved challenge of its own key until it expires, by the injected clock', async () => {
    let now = Date.UTC(2026, 0, 1);
    const check = new HumanCheck('key-1', () => now, 2_000);
    const proof = await solve(check);
    expect(await check.verify(proof)).toMatch(/^[0-9a-f]{64}$/);
    now += 5 * 60_000 + 1;
    expect(await check.verify(proof)).toBeNull();
  });

  it('refuses another key, a wrong number and garbage', async () => {
    const now = () => Date.UTC(2026, 0, 1);
    const proof = await solve(new HumanCheck('key-1', now, 2_000));
    expect(await new HumanCheck('key-2', now).verify(proof)).toBeNull();
    const payload = JSON.parse(Buffer.from(proof, 'base64').toString()) as { number: number };
    const wrong = Buffer.from(JSON.stringify({ ...payload, number: payload.number + 1 })).toString('base64');
    expect(await new HumanCheck('key-1', now).verify(wrong)).toBeNull();
    for (const junk of ['', 'bm90IGpzb24=', Buffer.from('{"challenge":1}').toString('base64')])
      expect(await new HumanCheck('key-1', now).verify(junk)).toBeNull();
  });
});
