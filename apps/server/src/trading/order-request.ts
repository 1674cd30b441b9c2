import {
  Result,
  orderTypeNames,
  parseMultiple,
  parseUnits,
  placeOrder,
  resultCatalogue,
  resultName,
  sideNames,
  stpModeNames,
  timeInForceNames,
  type Engine,
  type PlaceOrderCommand,
  type ResultName,
} from '@lockstep/engine';
import { LockstepError, type ErrorCode, type PlaceOrderBody } from '@lockstep/protocol';

/** Which fields each order type needs (Binance's spot rules); any other price field is refused. */
const fieldsByType: Record<PlaceOrderBody['type'], ReadonlyArray<'timeInForce' | 'price' | 'stopPrice'>> = {
  LIMIT: ['timeInForce', 'price'],
  MARKET: [],
  LIMIT_MAKER: ['price'],
  STOP_LOSS: ['stopPrice'],
  STOP_LOSS_LIMIT: ['timeInForce', 'price', 'stopPrice'],
  TAKE_PROFIT: ['stopPrice'],
  TAKE_PROFIT_LIMIT: ['timeInForce', 'price', 'stopPrice'],
};

/** Engine rejections as API error codes; parse failures of a field become VALIDATION_FAILED on it. */
const apiCodeOf: Partial<Record<ResultName, ErrorCode>> = {
  UNKNOWN_SYMBOL: 'UNKNOWN_SYMBOL',
  UNKNOWN_ASSET: 'UNKNOWN_ASSET',
  PRICE_FILTER: 'PRICE_FILTER',
  LOT_SIZE: 'LOT_SIZE',
  MARKET_LOT_SIZE: 'MARKET_LOT_SIZE',
  MIN_NOTIONAL: 'MIN_NOTIONAL',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  WOULD_MATCH: 'ORDER_WOULD_MATCH',
  FOK_NOT_FILLABLE: 'FOK_NOT_FILLABLE',
  WOULD_TRIGGER_IMMEDIATELY: 'WOULD_TRIGGER_IMMEDIATELY',
  MAX_OPEN_ORDERS: 'MAX_OPEN_ORDERS',
  UNKNOWN_ORDER: 'UNKNOWN_ORDER',
  NOTHING_TO_CLOSE: 'NOTHING_TO_CLOSE',
  UNKNOWN_WITHDRAWAL: 'UNKNOWN_WITHDRAWAL',
  INVALID_WITHDRAWAL_STATE: 'INVALID_WITHDRAWAL_STATE',
  ASSET_SUPPLY_LIMIT: 'ASSET_SUPPLY_LIMIT',
};

/** The API error for an engine result code, naming `field` when the rejection is about one. */
export function engineRejection(code: number, field?: string, summary?: string): LockstepError {
  const name = resultName(code);
  const apiCode = apiCodeOf[name] ?? 'VALIDATION_FAILED';
  // The engine's own sentence for the rejection, without its full stop, reads well after the field.
  const what = summary ?? resultCatalogue[name].summary.replace(/\.$/, '');
  const message = field ? `${field}: ${what}` : what;
  return new LockstepError(apiCode, message, field ? { field } : {});
}

function parsed(result: { code: number; value: number }, field: string): number {
  if (result.code !== Result.OK) throw engineRejection(result.code, field);
  return result.value;
}

/**
 * Turns a validated order request into an engine command: symbol to market, enum names to
 * numbers, decimal strings to ticks, lots and smallest units, exactly. Throws a LockstepError
 * naming the field for anything the order type does not allow or the market's steps refuse.
 */
export function placeOrderCommand(engine: Engine, account: number, body: PlaceOrderBody): PlaceOrderCommand {
  const marketIndex = engine.marketId(body.symbol);
  const market = marketIndex === undefined ? undefined : engine.market(marketIndex);
  if (marketIndex === undefined || !market) {
    throw new LockstepError('UNKNOWN_SYMBOL', `no market ${body.symbol}`, { field: 'symbol' });
  }
  const needed = fieldsByType[body.type];
  for (const field of ['timeInForce', 'price', 'stopPrice'] as const) {
    if (needed.includes(field) && body[field] === undefined) {
      throw new LockstepError('VALIDATION_FAILED', `${field} is required for ${body.type} orders`, { field });
    }
    if (!needed.includes(field) && body[field] !== undefined) {
      throw new LockstepError('VALIDATION_FAILED', `${field} is not allowed for ${body.type} orders`, {
        field,
      });
    }
  }
  const byQuote = body.quoteOrderQty !== undefined;
  if (byQuote === (body.quantity !== undefined) && body.type === 'MARKET') {
    throw new LockstepError(
      'VALIDATION_FAILED',
      'MARKET orders take exactly one of quantity and quoteOrderQty',
      {
        field: 'quantity',
      },
    );
  }
  if (body.type !== 'MARKET' && (byQuote || body.quantity === undefined)) {
    const field = byQuote ? 'quoteOrderQty' : 'quantity';
    const message = byQuote
      ? 'quoteOrderQty is only for MARKET orders'
      : `quantity is required for ${body.type} orders`;
    throw new LockstepError('VALIDATION_FAILED', message, { field });
  }
  const quoteDecimals = engine.asset(market.quote)?.decimals ?? 0;
  return placeOrder({
    account,
    market: marketIndex,
    side: sideNames.indexOf(body.side),
    type: orderTypeNames.indexOf(body.type),
    timeInForce: timeInForceNames.indexOf(body.timeInForce ?? 'GTC'),
    price:
      body.price === undefined
        ? 0
        : parsed(parseMultiple(body.price, market.tick, Result.PRICE_FILTER), 'price'),
    stopPrice:
      body.stopPrice === undefined
        ? 0
        : parsed(parseMultiple(body.stopPrice, market.tick, Result.PRICE_FILTER), 'stopPrice'),
    quantity:
      body.quantity === undefined
        ? 0
        : parsed(parseMultiple(body.quantity, market.step, Result.LOT_SIZE), 'quantity'),
    quoteOrderQty:
      body.quoteOrderQty === undefined
        ? 0
        : parsed(parseUnits(body.quoteOrderQty, quoteDecimals), 'quoteOrderQty'),
    stp: stpModeNames.indexOf(body.selfTradePreventionMode ?? 'NONE'),
    clientOrderId: body.clientOrderId ?? '',
  });
}
