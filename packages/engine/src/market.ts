import { BookSide } from './book-side.ts';
import { parseMultiple, parseStep, parseUnits, type DecimalStep } from './decimal.ts';
import { Result } from './result-codes.ts';

/** An asset and the number of decimals of its smallest unit (8 for BTC: 1 unit = 1 satoshi). */
export interface AssetConfig {
  code: string;
  decimals: number;
}

/**
 * A market as an operator configures it, in decimal strings (Binance's exchangeInfo filters).
 * Fees are rates in parts per million of the received amount: 1000 = 0.1 %.
 */
export interface MarketConfig {
  symbol: string;
  base: string;
  quote: string;
  tickSize: string;
  stepSize: string;
  minPrice: string;
  maxPrice: string;
  minQty: string;
  maxQty: string;
  /** MARKET_LOT_SIZE bounds; default to the LOT_SIZE bounds. */
  marketMinQty?: string;
  marketMaxQty?: string;
  minNotional: string;
  makerFeePpm: number;
  takerFeePpm: number;
}

/** Parts per million: a fee rate of feeRatePpmMax would take the whole received amount. */
export const feeRatePpmMax = 1_000_000;
/** Initial room for price levels per book side; it doubles on demand. */
export const bookSideLevelsInitial = 256;

/** A market configuration that would break the engine's exactness bounds. */
export class MarketConfigError extends Error {
  override name = 'MarketConfigError';
}

/**
 * A configured market: its filters converted to integers once, its two book sides, its stop
 * orders, and its per-symbol counters (depth update id, trade id, last price).
 *
 * Representation: prices are integer ticks, quantities integer lots. One lot is `lotUnits`
 * smallest units of the base asset; one lot at one tick costs `quotePerTickLot` smallest units of
 * the quote asset, so a notional is `ticks * lots * quotePerTickLot`, exact because configuration
 * proves it stays at or below Number.MAX_SAFE_INTEGER.
 */
export class Market {
  readonly index: number;
  readonly config: MarketConfig;
  readonly symbol: string;
  readonly base: number;
  readonly quote: number;
  readonly tick: DecimalStep;
  readonly step: DecimalStep;
  readonly lotUnits: number;
  readonly quotePerTickLot: number;
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  readonly minLots: number;
  readonly maxLots: number;
  readonly marketMinLots: number;
  readonly marketMaxLots: number;
  readonly minNotional: number;
  readonly makerFeePpm: number;
  readonly takerFeePpm: number;
  readonly bids = new BookSide(1, bookSideLevelsInitial);
  readonly asks = new BookSide(-1, bookSideLevelsInitial);
  /** Waiting stops that trigger when the price rises to them, by stop price then order id. */
  stopsRise: number[] = [];
  /** Waiting stops that trigger when the price falls to them, by stop price (descending) then id. */
  stopsFall: number[] = [];
  updateId = 0;
  nextTradeId = 1;
  lastPrice = 0;
  feeBaseSlot = -1;
  feeQuoteSlot = -1;
  /** Lowest and highest trade price since the stops were last checked (0 when none). */
  tradeLow = 0;
  tradeHigh = 0;
  /** The command stamp of the last depth update id handed out. */
  depthStamp = 0;

  constructor(
    index: number,
    config: MarketConfig,
    assets: readonly AssetConfig[],
    assetIndex: Map<string, number>,
  ) {
    this.index = index;
    this.config = { ...config };
    this.symbol = config.symbol;
    this.base = requireAsset(assetIndex, config.base);
    this.quote = requireAsset(assetIndex, config.quote);
    const baseDecimals = assets[this.base]!.decimals;
    const quoteDecimals = assets[this.quote]!.decimals;
    this.tick = requireStep(config.tickSize, 'tickSize');
    this.step = requireStep(config.stepSize, 'stepSize');
    this.lotUnits = scaledInteger(BigInt(this.step.mantissa), baseDecimals - this.step.decimals, 'stepSize');
    this.quotePerTickLot = scaledInteger(
      BigInt(this.tick.mantissa) * BigInt(this.step.mantissa),
      quoteDecimals - this.tick.decimals - this.step.decimals,
      'tickSize × stepSize',
    );
    this.minPriceTicks = requireMultiple(config.minPrice, this.tick, 'minPrice');
    this.maxPriceTicks = requireMultiple(config.maxPrice, this.tick, 'maxPrice');
    this.minLots = requireMultiple(config.minQty, this.step, 'minQty');
    this.maxLots = requireMultiple(config.maxQty, this.step, 'maxQty');
    this.marketMinLots = requireMultiple(config.marketMinQty ?? config.minQty, this.step, 'marketMinQty');
    this.marketMaxLots = requireMultiple(config.marketMaxQty ?? config.maxQty, this.step, 'marketMaxQty');
    this.minNotional = requireUnits(config.minNotional, quoteDecimals, 'minNotional');
    this.makerFeePpm = requireFee(config.makerFeePpm, 'makerFeePpm');
    this.takerFeePpm = requireFee(config.takerFeePpm, 'takerFeePpm');
    this.checkBounds();
  }

  /** Proves at configuration time that no notional, reservation or formatted value can overflow. */
  private checkBounds(): void {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const lotsMax = BigInt(Math.max(this.maxLots, this.marketMaxLots));
    const ticksMax = BigInt(this.maxPriceTicks);
    check(this.minPriceTicks <= this.maxPriceTicks, 'minPrice must not exceed maxPrice');
    check(this.minLots <= this.maxLots, 'minQty must not exceed maxQty');
    check(this.marketMinLots <= this.marketMaxLots, 'marketMinQty must not exceed marketMaxQty');
    check(
      ticksMax * lotsMax * BigInt(this.quotePerTickLot) <= max,
      'maxPrice × maxQty overflows the quote asset',
    );
    check(lotsMax * BigInt(this.lotUnits) <= max, 'maxQty overflows the base asset');
    check(ticksMax * BigInt(this.tick.mantissa) <= max, 'maxPrice cannot be formatted exactly');
    check(lotsMax * BigInt(this.step.mantissa) <= max, 'maxQty cannot be formatted exactly');
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new MarketConfigError(message);
}

function requireAsset(assetIndex: Map<string, number>, code: string): number {
  const index = assetIndex.get(code);
  check(index !== undefined, `unknown asset ${code}`);
  return index!;
}

function requireStep(text: string, field: string): DecimalStep {
  const step = parseStep(text);
  check(step !== undefined, `${field} must be a positive decimal`);
  return step!;
}

function requireMultiple(text: string, step: DecimalStep, field: string): number {
  const parsed = parseMultiple(text, step, Result.PRICE_FILTER);
  check(parsed.code === Result.OK, `${field} must be a positive multiple of its step`);
  return parsed.value;
}

function requireUnits(text: string, decimals: number, field: string): number {
  const parsed = parseUnits(text, decimals);
  check(parsed.code === Result.OK, `${field} must be a positive decimal with at most ${decimals} decimals`);
  return parsed.value;
}

function requireFee(rate: number, field: string): number {
  check(
    Number.isInteger(rate) && rate >= 0 && rate <= feeRatePpmMax,
    `${field} must be an integer 0..1000000`,
  );
  return rate;
}

/** mantissa × 10^exponent as a positive safe integer, or a configuration error. */
function scaledInteger(mantissa: bigint, exponent: number, field: string): number {
  let value = mantissa;
  if (exponent >= 0) value *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    check(value % divisor === 0n, `${field} is finer than the asset precision allows`);
    value /= divisor;
  }
  check(value >= 1n && value <= BigInt(Number.MAX_SAFE_INTEGER), `${field} is out of range`);
  return Number(value);
}
