import { join } from 'node:path';
import { openPostgresStore, openSqliteStore, type Store } from '@lockstep/store';
import { createMemoryBus } from '../services/event-bus.ts';
import { TradingPresenter } from '../trading/presenters.ts';
import { demoAssets, demoLayout, demoMarkets } from '../trading/demo-markets.ts';
import { feeAccountId } from '../trading/trading-service.ts';
import { StoreTradingPort } from './store-port.ts';
import { TradingHost } from './trading-host.ts';

/** Bound on reported problems, so a badly broken store still gives a readable report. */
const problemsMax = 50;

export interface AuditOutcome {
  ok: boolean;
  problems: string[];
  journalSeq: number;
  balancesChecked: number;
  openOrdersChecked: number;
}

/**
 * Audits a data folder (or PostgreSQL database) offline: rebuilds the engine from the newest
 * snapshot plus the journal, runs the engine's auditor (conservation, no negative balances,
 * locked funds equal to what open orders hold), and checks that the store's projections agree
 * with the rebuilt engine. Safe beside a running server: it only reads.
 */
export async function auditStore(where: {
  dataDir: string;
  postgresUrl?: string;
  postgresSchema?: string;
}): Promise<AuditOutcome> {
  const store: Store = where.postgresUrl
    ? await openPostgresStore(where.postgresUrl, { schema: where.postgresSchema })
    : await openSqliteStore(join(where.dataDir, 'lockstep.db'));
  try {
    return await auditOpenStore(store);
  } finally {
    await store.close();
  }
}

async function auditOpenStore(store: Store): Promise<AuditOutcome> {
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < problemsMax) problems.push(problem);
  };
  let host: TradingHost;
  try {
    const presenter = new TradingPresenter(demoLayout(feeAccountId));
    const port = new StoreTradingPort(store, createMemoryBus(), presenter, new Set());
    host = await TradingHost.start(port, {
      assets: demoAssets,
      markets: demoMarkets,
      feeAccountId,
      queue: { batchSizeMax: 1, queueLengthMax: 1 },
      snapshotEveryEntries: Number.MAX_SAFE_INTEGER,
      now: Date.now,
    });
  } catch (error) {
    return {
      ok: false,
      problems: [`rebuild failed: ${String(error)}`],
      journalSeq: 0,
      balancesChecked: 0,
      openOrdersChecked: 0,
    };
  }
  const engine = host.reader;
  const state = engine.exportState();
  for (const b of state.balances) {
    const asset = state.assets[b.asset]!.code;
    const row = await store.repos.balances.get(b.account, asset);
    if (!row || row.free !== b.free || row.locked !== b.locked) {
      note(
        `balance of account ${b.account} in ${asset}: engine ${b.free}/${b.locked}, store ${row ? `${row.free}/${row.locked}` : 'missing'}`,
      );
    }
  }
  const open = [...state.book, ...state.stops];
  for (const o of open) {
    const row = await store.repos.orders.get(o.account, o.id);
    if (
      !row ||
      (row.status !== 'NEW' && row.status !== 'PARTIALLY_FILLED') ||
      row.executedQty !== o.executed
    ) {
      note(
        `open order ${o.id} of account ${o.account}: store has ${row ? `${row.status} executed ${row.executedQty}` : 'nothing'}`,
      );
    }
  }
  const report = engine.audit();
  for (const problem of report.problems) note(problem);
  return {
    ok: problems.length === 0,
    problems,
    journalSeq: await store.repos.journal.head(),
    balancesChecked: state.balances.length,
    openOrdersChecked: open.length,
  };
}
