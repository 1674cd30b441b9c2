import { Type, type Static } from '@sinclair/typebox';

/**
 * Wallet schemas of the native API (D1, D2): deposit addresses, deposits and withdrawals. Amounts
 * are exact decimal strings at the asset's precision, as everywhere else.
 */

const Decimal = Type.String({
  pattern: '^[0-9]+(\\.[0-9]+)?$',
  maxLength: 40,
  description: 'A decimal number.',
});
const Asset = Type.String({ pattern: '^[A-Z0-9]{2,10}$', description: 'Asset code, e.g. USDT.' });

export const depositStatuses = ['PENDING', 'CREDITED'] as const;
export const withdrawalStatuses = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;

const literalUnion = <T extends readonly string[]>(values: T, title: string) =>
  Type.Unsafe<T[number]>(Type.String({ enum: [...values], title }));

export const DepositAddressView = Type.Object({ asset: Type.String(), address: Type.String() });
export type DepositAddressView = Static<typeof DepositAddressView>;

export const DepositView = Type.Object({
  id: Type.Integer(),
  asset: Type.String(),
  amount: Type.String(),
  address: Type.String(),
  txId: Type.String(),
  confirmations: Type.Integer(),
  status: literalUnion(depositStatuses, 'DepositStatus'),
  insertTime: Type.String(),
  creditTime: Type.Union([Type.String(), Type.Null()]),
});
export type DepositView = Static<typeof DepositView>;

export const WithdrawalView = Type.Object({
  id: Type.Integer(),
  asset: Type.String(),
  amount: Type.String(),
  fee: Type.String(),
  address: Type.String(),
  status: literalUnion(withdrawalStatuses, 'WithdrawalStatus'),
  applyTime: Type.String(),
  updateTime: Type.String(),
});
export type WithdrawalView = Static<typeof WithdrawalView>;

export const WithdrawBody = Type.Object(
  {
    asset: Asset,
    amount: Decimal,
    address: Type.String({ pattern: '^[A-Za-z0-9_:-]{1,128}$', description: 'Destination address.' }),
  },
  { additionalProperties: false },
);
export type WithdrawBody = Static<typeof WithdrawBody>;

/** A transfer the simulated chain of the embedded setup saw (operators only). */
export const ChainDepositBody = Type.Object(
  {
    address: Type.String({ pattern: '^[A-Za-z0-9_:-]{1,128}$' }),
    amount: Decimal,
    txId: Type.String({ pattern: '^[A-Za-z0-9_:-]{1,100}$' }),
    confirmations: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export type ChainDepositBody = Static<typeof ChainDepositBody>;

/** What one block of the simulated chain did (operators only). */
export const ChainBlockView = Type.Object({
  height: Type.Integer({ description: 'Blocks mined since the server started' }),
  depositsConfirmed: Type.Integer({ description: 'Pending deposits that gained a confirmation' }),
  depositsCredited: Type.Integer({
    description: 'Of those, the ones that reached the threshold and were credited',
  }),
  withdrawalsBroadcast: Type.Integer({ description: 'Withdrawals sent (PENDING → PROCESSING)' }),
  withdrawalsCompleted: Type.Integer({ description: 'Withdrawals confirmed (PROCESSING → COMPLETED)' }),
});
export type ChainBlockView = Static<typeof ChainBlockView>;
