import { describe, expect, it } from 'vitest';
import { audit } from './audit.ts';
import { placeOrder } from './commands.ts';
import { Engine } from './engine.ts';
import { Side } from './order-enums.ts';
import type { EngineSnapshot } from './snapshot.ts';
import { BTC, BTCUSDT, fund, step, testEngine, USDT } from './testing/fixture.ts';

function busyState(): EngineSnapshot {
  const engine = testEngine();
  fund(engine, 1, USDT, 1_000_000_000_000);
  fund(engine, 2, BTC, 1_000_000_000);
  step(engine, placeOrder({ account: 1, market: BTCUSDT, side: Side.BUY, price: 100, quantity: 5 }));
  step(engine, placeOrder({ account: 2, market: BTCUSDT, side: Side.SELL, price: 101, quantity: 5 }));
  step(engine, placeOrder({ account: 2, market: BTCUSDT, side: Side.SELL, price: 100, quantity: 2 }));
  step(engine, { kind: 'withdraw', account: 2, asset: BTC, amount: 1_000, fee: 10 });
  return engine.exportState();
}

describe('the auditor', () => {
  it('passes a consistent state', () => {
    expect(audit(busyState())).toEqual({ ok: true, problems: [] });
  });

  const tampering: [string, (state: EngineSnapshot) => void, RegExp][] = [
    ['money created', (s) => (s.balances[0]!.free += 1), /balances sum to/],
    ['a negative balance', (s) => (s.balances[0]!.free = -1), /bad free/],
    ['a fractional balance', (s) => (s.balances[0]!.free += 0.5), /bad free/],
    ['locked funds no order holds', (s) => (s.balances.find((b) => b.locked > 0)!.locked += 1), /locked/],
    ['an order with no reservation', (s) => s.book[0]!.quantity++, /locked/],
    [
      'a crossed book',
      (s) => (s.book.find((o) => o.side === Side.SELL)!.price = 90),
      /crossed|out of price order/,
    ],
    ['a withdrawal that lost its lock', (s) => (s.withdrawals[0]!.fee = 0), /locked/],
    ['a filled order left open', (s) => (s.book[0]!.executed = s.book[0]!.quantity), /no remaining quantity/],
  ];
  for (const [what, tamper, message] of tampering) {
    it(`finds ${what}`, () => {
      const state = busyState();
      tamper(state);
      const report = audit(state);
      expect(report.ok).toBe(false);
      expect(report.problems.join('\n')).toMatch(message);
    });
  }

  it('refuses to restore an engine from a state that fails the audit', () => {
    const state = busyState();
    state.balances[0]!.free += 1;
    expect(() => Engine.fromSnapshot(state)).toThrow(/fails audit/);
  });
});
