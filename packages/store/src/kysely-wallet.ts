import type { Selectable } from 'kysely';
import type { Executor } from './kysely-executor.ts';
import type { DepositsTable, WithdrawalsTable } from './schema.ts';
import type { DepositRecord, DepositStatus, WithdrawalRecord, WithdrawalStatus } from './records.ts';
import type { DepositAddressRepository, DepositRepository, WithdrawalRepository } from './repositories.ts';

function toDeposit(row: Selectable<DepositsTable>): DepositRecord {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    asset: row.asset,
    amount: Number(row.amount),
    txId: row.tx_id,
    address: row.address,
    confirmations: Number(row.confirmations),
    status: row.status as DepositStatus,
    createdAt: Number(row.created_at),
    creditedAt: row.credited_at === null ? null : Number(row.credited_at),
  };
}

function toWithdrawal(row: Selectable<WithdrawalsTable>): WithdrawalRecord {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    asset: row.asset,
    amount: Number(row.amount),
    fee: Number(row.fee),
    address: row.address,
    status: row.status as WithdrawalStatus,
    engineRef: row.engine_ref,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Deposit addresses over one executor. */
export function kyselyDepositAddresses(db: Executor): DepositAddressRepository {
  const find = (accountId: number, asset: string) =>
    db
      .selectFrom('deposit_addresses')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('asset', '=', asset)
      .executeTakeFirst();
  return {
    async getOrCreate(accountId, asset, makeAddress) {
      const existing = await find(accountId, asset);
      if (existing) return { accountId, asset, address: existing.address };
      // Two first requests may race: the loser's insert does nothing and both read the winner's row.
      await db
        .insertInto('deposit_addresses')
        .values({ account_id: accountId, asset, address: makeAddress() })
        .onConflict((oc) => oc.columns(['account_id', 'asset']).doNothing())
        .execute();
      const row = await find(accountId, asset);
      if (!row) throw new Error(`deposit address of ${accountId}/${asset} vanished`);
      return { accountId, asset, address: row.address };
    },
    async findByAddress(address) {
      const row = await db
        .selectFrom('deposit_addresses')
        .selectAll()
        .where('address', '=', address)
        .executeTakeFirst();
      return row && { accountId: Number(row.account_id), asset: row.asset, address: row.address };
    },
  };
}

/** Deposits over one executor. */
export function kyselyDeposits(db: Executor): DepositRepository {
  return {
    async insert(d) {
      const row = await db
        .insertInto('deposits')
        .values({
          account_id: d.accountId,
          asset: d.asset,
          amount: d.amount,
          tx_id: d.txId,
          address: d.address,
          confirmations: d.confirmations,
          status: d.status,
          created_at: d.createdAt,
          credited_at: d.creditedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDeposit(row);
    },
    async findByTxId(txId) {
      const row = await db.selectFrom('deposits').selectAll().where('tx_id', '=', txId).executeTakeFirst();
      return row && toDeposit(row);
    },
    async setConfirmations(id, confirmations) {
      const row = await db
        .updateTable('deposits')
        .set({ confirmations })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .where('confirmations', '<', confirmations)
        .returningAll()
        .executeTakeFirst();
      return row && toDeposit(row);
    },
    async markCredited(id, at) {
      // Guarded on PENDING so a deposit is credited once even when two watchers race.
      const row = await db
        .updateTable('deposits')
        .set({ status: 'CREDITED', credited_at: at })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .returningAll()
        .executeTakeFirst();
      return row && toDeposit(row);
    },
    async pending(limit) {
      const rows = await db
        .selectFrom('deposits')
        .selectAll()
        .where('status', '=', 'PENDING')
        .orderBy('id', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toDeposit);
    },
    async page(accountId, query) {
      let q = db.selectFrom('deposits').selectAll().where('account_id', '=', accountId);
      if (query.asset !== undefined) q = q.where('asset', '=', query.asset);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toDeposit);
    },
  };
}

/** Withdrawals over one executor. */
export function kyselyWithdrawals(db: Executor): WithdrawalRepository {
  return {
    async insert(w) {
      const row = await db
        .insertInto('withdrawals')
        .values({
          account_id: w.accountId,
          asset: w.asset,
          amount: w.amount,
          fee: w.fee,
          address: w.address,
          status: w.status,
          engine_ref: w.engineRef,
          created_at: w.createdAt,
          updated_at: w.updatedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWithdrawal(row);
    },
    async get(id) {
      const row = await db.selectFrom('withdrawals').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toWithdrawal(row);
    },
    async setStatus(id, from, to, at, engineRef) {
      if (from.length === 0) return undefined;
      // One conditional update: on PostgreSQL a racing update waits for the row lock and then
      // re-checks the status, so exactly one of two concurrent steps matches.
      const row = await db
        .updateTable('withdrawals')
        .set(
          engineRef === undefined
            ? { status: to, updated_at: at }
            : { status: to, updated_at: at, engine_ref: engineRef },
        )
        .where('id', '=', id)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst();
      return row && toWithdrawal(row);
    },
    async withStatus(statuses, limit) {
      if (statuses.length === 0) return [];
      const rows = await db
        .selectFrom('withdrawals')
        .selectAll()
        .where('status', 'in', statuses)
        .orderBy('id', 'asc')
        .limit(limit)
        .execute();
      return rows.map(toWithdrawal);
    },
    async page(accountId, query) {
      let q = db.selectFrom('withdrawals').selectAll().where('account_id', '=', accountId);
      if (query.asset !== undefined) q = q.where('asset', '=', query.asset);
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toWithdrawal);
    },
  };
}
