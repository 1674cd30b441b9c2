import { Type, type Static } from '@sinclair/typebox';

/**
 * Trading schemas of the native API (issue 3). Amounts, prices and quantities are decimal strings
 * on the wire, exact to the asset's or market's precision; the core holds them as integers.
 */

const Decimal = Type.String({
  pattern: '^[0-9]+(\\.[0-9]+)?$',
  maxLength: 40,
  description: 'A decimal number.',
});
const Symbol_ = Type.String({ pattern: '^[A-Z0-9]{2,20}$', description: 'Market symbol, e.g. BTCUSDT.' });

export const orderSides = ['BUY', 'SELL'] as const;
export const orderTypes = [
  'LIMIT',
  'MARKET',
  'LIMIT_MAKER',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
] as const;
export const timesInForce = ['GTC', 'IOC', 'FOK'] as const;
export const stpModes = ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'] as const;
export const orderStatuses = [
  'NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
  'EXPIRED_IN_MATCH',
] as const;

/** A string schema limited to `values`, typed as their union (a map over Type.Literal loses that). */
const literalUnion = <T extends readonly string[]>(values: T, title: string) =>
  Type.Unsafe<T[number]>(Type.String({ enum: [...values], title }));

export const BalanceView = Type.Object({
  asset: Type.String(),
  free: Type.String(),
  locked: Type.String(),
});
export type BalanceView = Static<typeof BalanceView>;

export const OrderView = Type.Object({
  orderId: Type.Integer(),
  clientOrderId: Type.String(),
  symbol: Type.String(),
  side: literalUnion(orderSides, 'Side'),
  type: literalUnion(orderTypes, 'OrderType'),
  timeInForce: literalUnion(timesInForce, 'TimeInForce'),
  price: Type.String(),
  stopPrice: Type.String(),
  origQty: Type.String(),
  origQuoteOrderQty: Type.String(),
  executedQty: Type.String(),
  cummulativeQuoteQty: Type.String(),
  status: literalUnion(orderStatuses, 'OrderStatus'),
  selfTradePreventionMode: literalUnion(stpModes, 'StpMode'),
  /** When the order was placed; every state of the order carries the same time. */
  time: Type.String({ format: 'date-time' }),
  /** When the order last changed. */
  updateTime: Type.String({ format: 'date-time' }),
});
export type OrderView = Static<typeof OrderView>;

/** A trade as one of its two accounts sees it. */
export const MyTradeView = Type.Object({
  tradeId: Type.Integer(),
  symbol: Type.String(),
  orderId: Type.Integer(),
  side: literalUnion(orderSides, 'Side'),
  price: Type.String(),
  qty: Type.String(),
  quoteQty: Type.String(),
  commission: Type.String(),
  commissionAsset: Type.String(),
  isMaker: Type.Boolean(),
  time: Type.String({ format: 'date-time' }),
});
export type MyTradeView = Static<typeof MyTradeView>;

/** A client order id: what a client names its order with (unique among its open orders). */
export const ClientOrderId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,36}$' });

export const PlaceOrderBody = Type.Object(
  {
    symbol: Symbol_,
    side: literalUnion(orderSides, 'Side'),
    type: literalUnion(orderTypes, 'OrderType'),
    timeInForce: Type.Optional(literalUnion(timesInForce, 'TimeInForce')),
    quantity: Type.Optional(Decimal),
    quoteOrderQty: Type.Optional(Decimal),
    price: Type.Optional(Decimal),
    stopPrice: Type.Optional(Decimal),
    clientOrderId: Type.Optional(ClientOrderId),
    selfTradePreventionMode: Type.Optional(literalUnion(stpModes, 'StpMode')),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;
