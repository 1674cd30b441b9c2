/**
 * The order both HTTP benches place: a limit (GTC unless asked) for 0.001 BTC on BTCUSDT within 400
 * ticks of 50,000. Buys sit mostly below and sells mostly above, so most orders rest and a few cross.
 * `random` is drawn twice (side, then price), in that order, so a seeded run stays repeatable.
 */
export function randomOrderBody(
  random: () => number,
  timeInForce: 'GTC' | 'IOC' = 'GTC',
): Record<string, string> {
  const side = random() < 0.5 ? 'BUY' : 'SELL';
  const offset = Math.floor(random() * 400) - (side === 'BUY' ? 390 : 10);
  return {
    symbol: 'BTCUSDT',
    side,
    type: 'LIMIT',
    timeInForce,
    quantity: '0.001',
    price: (50_000 + offset).toFixed(2),
  };
}
