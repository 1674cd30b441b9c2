/**
 * The one catalogue of command results. The engine never throws for a business rejection: every
 * command returns one of these codes. Codes below 100 mean the command was carried out (or was an
 * idempotent repeat); codes from 100 up are rejections, which leave the engine's state unchanged
 * and emit no event. Names follow Binance's filter and error names where Binance has one.
 */
export const resultCatalogue = {
  OK: { code: 0, summary: 'The command was carried out.' },
  DUPLICATE_CLIENT_ORDER_ID: {
    code: 1,
    summary:
      'An open order of this account already has this client order id; that order is returned, no new one.',
  },
  DEPOSIT_ALREADY_CREDITED: {
    code: 2,
    summary: 'This deposit transaction id was credited before; nothing changed.',
  },
  UNKNOWN_SYMBOL: { code: 100, summary: 'No market has this symbol.' },
  UNKNOWN_ASSET: { code: 101, summary: 'No asset has this code.' },
  INVALID_PARAMETER: { code: 102, summary: 'A field has a value outside its enumeration or type.' },
  INVALID_ACCOUNT: { code: 103, summary: 'The account id is not a non-negative safe integer.' },
  INVALID_CLIENT_ORDER_ID: {
    code: 104,
    summary: 'The client order id is not 1-36 characters of [A-Za-z0-9_-].',
  },
  PRICE_FILTER: {
    code: 110,
    summary: 'The price or stop price is off-tick or outside the market price range.',
  },
  LOT_SIZE: { code: 111, summary: 'The quantity is off-step or outside the market quantity range.' },
  MARKET_LOT_SIZE: {
    code: 112,
    summary: 'The market order quantity is outside the market-order quantity range.',
  },
  MIN_NOTIONAL: {
    code: 113,
    summary: 'Price times quantity (or the quote amount) is below the minimum notional.',
  },
  INSUFFICIENT_BALANCE: {
    code: 120,
    summary: 'The account has insufficient free balance for the requested action.',
  },
  WOULD_MATCH: { code: 121, summary: 'A LIMIT_MAKER order would immediately match and take.' },
  FOK_NOT_FILLABLE: { code: 122, summary: 'A FOK order cannot be filled completely at once.' },
  WOULD_TRIGGER_IMMEDIATELY: { code: 123, summary: 'A stop order would trigger at the current last price.' },
  MAX_OPEN_ORDERS: { code: 124, summary: 'The account has reached its limit of open orders.' },
  UNKNOWN_ORDER: { code: 125, summary: 'No open order of this account on this symbol has this id.' },
  NOTHING_TO_CLOSE: { code: 126, summary: 'One-click close found no open orders and no sellable holding.' },
  UNKNOWN_WITHDRAWAL: { code: 130, summary: 'No open withdrawal has this id.' },
  INVALID_WITHDRAWAL_STATE: { code: 131, summary: 'The withdrawal is not in a state that allows this step.' },
  ASSET_SUPPLY_LIMIT: {
    code: 132,
    summary: 'Crediting this deposit would take the asset total beyond what the engine represents exactly.',
  },
  INVALID_NUMBER: { code: 140, summary: 'The value is not a plain decimal number.' },
  NEGATIVE_AMOUNT: { code: 141, summary: 'The value is negative.' },
  ZERO_AMOUNT: { code: 142, summary: 'The value is zero.' },
  TOO_MANY_DECIMALS: { code: 143, summary: 'The value has more decimals than the asset allows.' },
  AMOUNT_TOO_LARGE: { code: 144, summary: 'The value is larger than the engine represents exactly.' },
} as const satisfies Record<string, { code: number; summary: string }>;

/** A result name from the catalogue. */
export type ResultName = keyof typeof resultCatalogue;

/** Result codes by name, as plain numbers for the hot path. */
export const Result = Object.fromEntries(
  Object.entries(resultCatalogue).map(([name, entry]) => [name, entry.code]),
) as { readonly [K in ResultName]: (typeof resultCatalogue)[K]['code'] };

/** A numeric result code. */
export type ResultCode = (typeof resultCatalogue)[ResultName]['code'];

const namesByCode = new Map<number, ResultName>(
  (Object.keys(resultCatalogue) as ResultName[]).map((name) => [resultCatalogue[name].code, name]),
);

/** The catalogue name of a numeric result code. */
export function resultName(code: number): ResultName {
  const name = namesByCode.get(code);
  if (name === undefined) throw new Error(`unknown result code ${code}`);
  return name;
}

/** Whether a result code is a rejection (no state change) rather than an outcome. */
export function isRejection(code: number): boolean {
  return code >= 100;
}
