import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 as seededRandom } from '@lockstep/engine';
import { startBenchServer } from '../sync/server-process.ts';
import { fundedAccounts } from './accounts.ts';
import { groupCommitTotals } from './group-commit.ts';
import { HttpConnection } from './http-connection.ts';
import { openPerClientMax, tradeOnce } from './trade.ts';

/**
 * `npm run bench:orders`: the real server as a separate process, on durable SQLite (WAL,
 * synchronous = FULL, group commit), with many concurrent HTTP clients placing and cancelling
 * orders for `BENCH_SECONDS` (30 by default). Every request is an authenticated
 * `POST /v1/orders` or `DELETE /v1/orders/…`, answered only after its batch committed. Latency is
 * measured per request, end to end, on the client side. Last line: one JSON object.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const clientsCount = Number(process.env.BENCH_CLIENTS ?? 64);
const accountsCount = 16;
if (Math.ceil(clientsCount / accountsCount) * openPerClientMax > 200) {
  throw new Error(
    `BENCH_CLIENTS=${clientsCount}: at most 128 clients, or the ${accountsCount} accounts exceed 200 open orders`,
  );
}
const seed = Number(process.env.BENCH_SEED ?? 42);
/**
 * The share of orders sent as IOC (0 by default): most of them do not cross and end EXPIRED at
 * once, the load of a bot that takes liquidity or gives up.
 */
const iocShare = Number(process.env.BENCH_IOC_SHARE ?? 0);
if (!(iocShare >= 0 && iocShare <= 1))
  throw new Error(`BENCH_IOC_SHARE=${process.env.BENCH_IOC_SHARE}: a share from 0 to 1`);
/** A file to write the server's CPU profile to (Chrome DevTools format), of the run's middle. */
const profileFile = process.env.BENCH_PROFILE;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-bench-orders-'));
  const server = await startBenchServer(dataDir);
  try {
    const tokens = await fundedAccounts(server.url, dataDir, accountsCount);
    const latenciesMs: number[] = [];
    /** Each client's first answer, on its fresh connection: what a client that just connected waits. */
    const firstAnswerMs: number[] = [];
    const tally = { orders: 0, cancels: 0, refused: 0 };
    // Readings before the first request: the run's figures cover every request, cold ones too.
    const cpuBefore = await server.probe(false);
    const batchesBefore = await groupCommitTotals(server.url);
    const startedAt = performance.now();
    const deadline = startedAt + seconds * 1000;
    const random = seededRandom(seed);
    const loops = Array.from({ length: clientsCount }, async (_, i) => {
      const connection = await HttpConnection.open(server.url, tokens[i % tokens.length]!);
      const rand = seededRandom(Math.floor(random() * 2 ** 31));
      const open: number[] = [];
      while (performance.now() < deadline) {
        const started = performance.now();
        await tradeOnce(connection, rand, open, iocShare, tally);
        latenciesMs.push(performance.now() - started);
        firstAnswerMs[i] ??= performance.now() - started;
      }
      connection.close();
    });
    // The profile leaves out the first and the last second: connections opening and closing.
    const profiled = profileFile
      ? (async () => {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await server.profile('start');
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, seconds - 2) * 1000));
          await server.profile('stop', profileFile);
        })()
      : Promise.resolve();
    await Promise.all([...loops, profiled]);
    const { orders, cancels, refused } = tally;
    const cpuAfter = await server.probe(false);
    const batchesAfter = await groupCommitTotals(server.url);
    const elapsedS = (performance.now() - startedAt) / 1000;
    // CPU time per request varies less than requests/s on a shared VM: a change that makes the
    // server cheaper shows here even when the other core is busy.
    const requests = orders + cancels;
    const cpuMicrosPerRequest = Math.round((cpuAfter.cpuMicros - cpuBefore.cpuMicros) / requests);
    const serverCores = rounded((cpuAfter.cpuMicros - cpuBefore.cpuMicros) / 1e6 / elapsedS, 2);
    latenciesMs.sort((a, b) => a - b);
    const pct = (p: number): number =>
      rounded(latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))]!, 2);
    console.log(
      `${clientsCount} clients, ${seconds} s: ${orders} orders placed, ${cancels} cancels, ${refused} refused`,
    );
    console.log(
      `requests/s ${Math.round((orders + cancels) / elapsedS)}, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`,
    );
    console.log(`server CPU ${cpuMicrosPerRequest} µs per request, ${serverCores} cores busy on average`);
    const firstAnswerMaxMs = rounded(Math.max(0, ...firstAnswerMs), 2);
    console.log(`first answer on a new connection: at most ${firstAnswerMaxMs} ms`);
    // The server's own group-commit metrics: how many commands shared a commit, and where a batch's
    // time went: the engine, then the store (the transaction with its fsync, which blocks the
    // server's thread on SQLite, then the hand-off of its events to live connections).
    const delta = (key: keyof typeof batchesAfter): number => batchesAfter[key] - batchesBefore[key];
    const batches = delta('count');
    const commandsPerBatch = rounded(delta('commands') / batches, 1);
    const engineMsPerBatch = rounded((delta('runSeconds') / batches) * 1000, 2);
    const storeMsPerBatch = rounded((delta('storeSeconds') / batches) * 1000, 2);
    const storeShare = Math.round((delta('storeSeconds') / elapsedS) * 100);
    console.log(
      `${batches} batches, ${commandsPerBatch} commands each; per batch: engine ${engineMsPerBatch} ms, ` +
        `store ${storeMsPerBatch} ms (${storeShare} % of the run)`,
    );
    console.log(
      JSON.stringify({
        ordersPerSec: Math.round((orders + cancels) / elapsedS),
        placedPerSec: Math.round(orders / elapsedS),
        p50Ms: pct(0.5),
        p99Ms: pct(0.99),
        clients: clientsCount,
        iocShare,
        refused,
        serverCpuMicrosPerRequest: cpuMicrosPerRequest,
        serverCores,
        commandsPerBatch,
        storeMsPerBatch,
        firstAnswerMaxMs,
      }),
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function rounded(value: number, decimals: number): number {
  return Math.round(value * 10 ** decimals) / 10 ** decimals;
}

await main();
