import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { mulberry32 as seededRandom } from '@lockstep/engine';
import { readAdminToken } from '@lockstep/server';
import { Device } from './device.ts';
import { HttpPool } from './http-pool.ts';
import { LatencyTracker } from './latency.ts';
import { OrderLoad, type TradingAccount } from './load.ts';
import { seedAccounts } from './seed.ts';
import { startBenchServer, type BenchServer } from './server-process.ts';
import type { ServerProbe } from './server-entry.ts';

/**
 * `npm run bench:sync`: many devices of many accounts following their account streams while
 * orders flow, then all of them dropped and reconnecting at once. What it does, step by step, and
 * how memory is measured: docs/benchmarks.md, section `bench:sync`. Last line: one JSON object.
 *
 * Env: BENCH_DEVICES (10,000), BENCH_ACCOUNTS (devices / 5), BENCH_SECONDS (20, the latency
 * phase), BENCH_RATE (1,000 new orders/s), BENCH_STORM_SECONDS (10), BENCH_SEED. To look inside the
 * server: BENCH_PROFILE_DIR gets CPU profiles of the latency phase and of the storm,
 * BENCH_HEAP_SNAPSHOT_DIR heap snapshots before and after the devices connect (these inflate the
 * memory figures of that run).
 */
const devicesCount = Number(process.env.BENCH_DEVICES ?? 10_000);
const accountsCount = Number(process.env.BENCH_ACCOUNTS ?? Math.round(devicesCount / 5));
const devicesPerAccount = devicesCount / accountsCount;
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const stormSeconds = Number(process.env.BENCH_STORM_SECONDS ?? 10);
const seed = Number(process.env.BENCH_SEED ?? 20261121);
const profileDir = process.env.BENCH_PROFILE_DIR;
const heapSnapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
/**
 * Sockets the bench opens to the server for orders (one request in flight on each). Real devices
 * each have their own; a few hundred keeps the bench from capping the server's concurrency (and so
 * its group-commit batches) while staying far below one per device.
 */
const httpConnectionsMax = 256;
/**
 * Memory readings taken one second apart, idle, before and after the devices connect. V8 hands
 * the start-up garbage's pages back to the OS some seconds after the server started; six readings
 * usually catch that (the baseline ranged 189–204 MB over the runs here, so ±1.5 KB per device).
 */
const readingsBefore = 6;
const readingsAfter = 4;
/** How long after the drop the run waits for every device to be back. */
const stormWaitMs = 60_000;
/** Devices connecting at once while they first come online. */
const connectConcurrency = 200;

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const elapsed = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const benchStarted = performance.now();
/** A progress line, stamped with the time since the bench started. */
const log = (line: string): void => console.log(`[${elapsed(benchStarted).padStart(7)}] ${line}`);

async function main(): Promise<Record<string, unknown>> {
  if (!Number.isInteger(devicesPerAccount) || devicesPerAccount < 2 || devicesPerAccount > 5)
    throw new Error(
      `BENCH_DEVICES / BENCH_ACCOUNTS must be a whole number from 2 to 5, got ${devicesPerAccount}`,
    );
  checkFileLimit(devicesCount + httpConnectionsMax + 200);
  const random = seededRandom(seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'lockstep-bench-sync-'));
  let server: BenchServer | undefined;
  const devices: Device[] = [];
  let pool: HttpPool | undefined;
  try {
    let started = performance.now();
    const seeded = await seedAccounts(dataDir, accountsCount, devicesPerAccount);
    log(`seeded ${accountsCount} accounts × ${devicesPerAccount} sessions in ${elapsed(started)}`);

    server = await startBenchServer(dataDir);
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/v1/ws`;
    pool = new HttpPool(server.url, httpConnectionsMax);
    started = performance.now();
    await fund(
      pool,
      readAdminToken(dataDir),
      seeded.map((a) => a.email),
    );
    log(`server at ${server.url}; funded ${accountsCount} accounts in ${elapsed(started)}`);

    const latency = new LatencyTracker(devicesPerAccount);
    seeded.forEach((account, a) =>
      account.devices.forEach((d, slot) =>
        devices.push(new Device(a, slot, d.token, wsUrl, latency.onOrderEvent)),
      ),
    );

    // Memory, in the server process, each reading after two full GCs: idle with no device
    // connected, then idle with all of them connected and subscribed. V8 hands freed heap pages
    // back to the OS only seconds after a collection, so one RSS reading swings by ±30 MB with
    // its timing; the lowest of the readings before is set against the highest after (an
    // upper bound). The V8 heap (+ external) figure is exact after a GC: the last of each series.
    const before = await readings(server, readingsBefore);
    if (heapSnapshotDir) await server.heapSnapshot(join(heapSnapshotDir, 'before.heapsnapshot'));
    started = performance.now();
    await connectAll(devices);
    const connectSeconds = (performance.now() - started) / 1000;
    const after = await readings(server, readingsAfter);
    if (heapSnapshotDir) await server.heapSnapshot(join(heapSnapshotDir, 'connected.heapsnapshot'));
    const connected = after[after.length - 1]!;
    if (connected.connections !== devicesCount)
      throw new Error(`server counts ${connected.connections} connections, expected ${devicesCount}`);
    const baseline = before[before.length - 1]!;
    const rssBefore = Math.min(...before.map((p) => p.rss));
    const rssAfter = Math.max(...after.map((p) => p.rss));
    const rssPerDevice = (rssAfter - rssBefore) / devicesCount;
    const heapPerDevice = heapAndExternal(connected, baseline) / devicesCount;
    log(
      `${devicesCount} devices connected and subscribed in ${connectSeconds.toFixed(1)} s; server RSS ` +
        `${mb(rssBefore)} → ${mb(rssAfter)} (${Math.round(rssPerDevice)} B/device), heap+external ` +
        `${mb(baseline.heapUsed + baseline.external)} → ${mb(connected.heapUsed + connected.external)} ` +
        `(${Math.round(heapPerDevice)} B/device)`,
    );

    // Latency phase: orders at `rate`, every device connected.
    const accounts: TradingAccount[] = seeded.map((a) => ({
      tokens: a.devices.map((d) => d.token),
      open: [],
    }));
    const load = new OrderLoad(pool, accounts, rate, seededRandom(Math.floor(random() * 2 ** 31)), {
      placed: (orderId, _account, slot, sentAt, at) => latency.placed(orderId, slot, sentAt, at),
      cancelled: (orderId, _account, slot, sentAt, at) => latency.cancelled(orderId, slot, sentAt, at),
    });
    load.start();
    await sleep(1000); // warm-up: the first second is not measured
    if (profileDir) await server.profile('start');
    const serverStart = await server.probe(false);
    const phaseStart = { at: performance.now(), placed: load.placed, cancels: load.cancels };
    const clientElu = performance.eventLoopUtilization();
    latency.measuring = true;
    await sleep(seconds * 1000);
    latency.measuring = false;
    const phaseEnd = { at: performance.now(), placed: load.placed, cancels: load.cancels };
    const clientUse = performance.eventLoopUtilization(clientElu).utilization;
    const serverEnd = await server.probe(false);
    if (profileDir) await server.profile('stop', join(profileDir, 'latency-phase.cpuprofile'));
    const phaseSeconds = (phaseEnd.at - phaseStart.at) / 1000;
    // The VM is shared: the 1-minute load average says how much else ran beside the bench.
    const loadAverage = loadavg()[0]!;
    const placedPerSec = (phaseEnd.placed - phaseStart.placed) / phaseSeconds;
    const cancelsPerSec = (phaseEnd.cancels - phaseStart.cancels) / phaseSeconds;
    const serverCpu = (serverEnd.cpuMicros - serverStart.cpuMicros) / 1e6 / phaseSeconds;
    log(
      `latency phase ${phaseSeconds.toFixed(1)} s: ${Math.round(placedPerSec)} orders/s placed + ` +
        `${Math.round(cancelsPerSec)} cancels/s; server CPU ${(serverCpu * 100).toFixed(0)} % of a core, ` +
        `event loop ${(serverEnd.elu * 100).toFixed(0)} % busy, delayed p50 ${serverEnd.loopDelayP50Ms.toFixed(0)} ms, ` +
        `p99 ${serverEnd.loopDelayP99Ms.toFixed(0)} ms, max ${serverEnd.loopDelayMaxMs.toFixed(0)} ms; bench event loop ${(clientUse * 100).toFixed(0)} % busy; ` +
        `load average ${loadAverage.toFixed(1)} on ${availableParallelism()} cores`,
    );
    // Orders acknowledged at the very end of the phase get a second to arrive before the drop.
    await sleep(1000);

    // Reconnect storm: every device dropped at once, each back at a random moment within
    // `stormSeconds`, while orders keep flowing, so each has events to catch up on.
    if (profileDir) await server.profile('start');
    const tcpBefore = tcpCounters();
    const droppedAt = performance.now();
    for (const device of devices) device.drop();
    const stormRandom = seededRandom(Math.floor(random() * 2 ** 31));
    const failures = new Map<string, number>();
    let stormOver = false;
    const reconnect = async (device: Device): Promise<void> => {
      await sleep(stormRandom() * stormSeconds * 1000);
      for (let attempt = 1; !stormOver; attempt += 1) {
        try {
          await device.connect();
          return;
        } catch (error) {
          const reason = (error as Error).message;
          failures.set(reason, (failures.get(reason) ?? 0) + 1);
          if (attempt === 20) {
            device.markFault(`no reconnection after 20 attempts: ${reason}`);
            return;
          }
          // Like a client would: back off a little, with jitter, and try again.
          await sleep(200 + stormRandom() * 300);
        }
      }
    };
    for (const device of devices) void reconnect(device);
    await sleep(stormSeconds * 1000 + 1000);
    await load.stop();
    const stoppedAfter = performance.now() - droppedAt;

    // Every device must end exactly at its account's head as the durable store has it (read once
    // the load has stopped and every answer is in, so the heads no longer move). A handshake the
    // kernel dropped is retried by TCP after 1, 2, 4, 8… s; a minute after the drop the run stops
    // waiting, and a device not back by then does not count.
    const heads = durableHeads(
      join(dataDir, 'lockstep.db'),
      seeded.map((a) => a.id),
    );
    // A faulty device can no longer count, so the run does not wait for it.
    const settled = (d: Device): boolean =>
      d.fault !== null || (d.resumedAt > droppedAt && d.lastSeq >= heads[d.account]!);
    while (devices.some((d) => !settled(d)) && performance.now() < droppedAt + stormWaitMs) await sleep(50);
    stormOver = true;
    const caughtUpAfter = performance.now() - droppedAt;
    const notResumed = devices.filter((d) => d.resumedAt <= droppedAt).length;
    const behind = devices.filter((d) => d.resumedAt > droppedAt && d.lastSeq < heads[d.account]!).length;
    if (notResumed > 0) log(`${notResumed} devices not back ${stormWaitMs / 1000} s after the drop`);
    if (behind > 0) log(`${behind} devices back but still behind their durable head`);
    const lastResumed = Math.max(...devices.map((d) => d.resumedAt));
    const reconnectSeconds = (lastResumed - droppedAt) / 1000;
    const retries = [...failures.values()].reduce((sum, n) => sum + n, 0);
    const tcpAfter = tcpCounters();
    const listenOverflows =
      tcpBefore && tcpAfter ? tcpAfter.listenOverflows - tcpBefore.listenOverflows : null;
    const synRetransmits = tcpBefore && tcpAfter ? tcpAfter.synRetransmits - tcpBefore.synRetransmits : null;
    log(
      `storm: ${devicesCount} dropped, the last resumed ${reconnectSeconds.toFixed(1)} s after the drop; ` +
        `orders stopped after ${(stoppedAfter / 1000).toFixed(1)} s; ${retries} attempts failed and were retried` +
        (retries > 0
          ? ` (${[...failures]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 3)
              .map(([reason, n]) => `${n}× ${reason}`)
              .join('; ')})`
          : '') +
        (listenOverflows === null
          ? ''
          : `; kernel (whole VM): ${listenOverflows} listen-queue overflows, ${synRetransmits} SYN retransmits`),
    );
    if (profileDir) await server.profile('stop', join(profileDir, 'storm.cpuprofile'));
    const gapFree = devices.filter(
      (d) => d.fault === null && d.resumes >= 2 && d.resumedAt > droppedAt && d.lastSeq === heads[d.account],
    );
    const faults = devices.filter((d) => d.fault !== null);
    if (faults.length > 0) log(`${faults.length} devices faulty, first: ${faults[0]!.fault}`);
    if (load.failures > 0) log(`${load.failures} failed requests, first: ${load.firstFailure}`);
    if (load.skipped > 0) log(`${load.skipped} scheduled orders skipped: the server was behind`);

    const afterStorm = await server.probe(true);
    const placed = latency.summary('placed');
    const cancelled = latency.summary('cancelled');
    const events = devices.reduce((sum, d) => sum + d.events, 0);
    const replayed = devices.reduce((sum, d) => sum + d.replayedEvents, 0);
    log(
      `latency ack → other device (${placed.samples} samples): p50 ${placed.p50Ms} ms, p90 ${placed.p90Ms} ms, ` +
        `p99 ${placed.p99Ms} ms, max ${placed.maxMs} ms; ${placed.beforeAck} arrived before the ack, ` +
        `${placed.missing} never arrived; on all other devices: p50 ${placed.allDevicesP50Ms} ms, ` +
        `p99 ${placed.allDevicesP99Ms} ms`,
    );
    log(
      `order sent → acknowledged: p50 ${placed.ackP50Ms} ms, p99 ${placed.ackP99Ms} ms; ` +
        `order sent → on another device: p50 ${placed.fromSubmitP50Ms} ms, p99 ${placed.fromSubmitP99Ms} ms`,
    );
    log(
      `cancels (${cancelled.samples} samples): p50 ${cancelled.p50Ms} ms, p99 ${cancelled.p99Ms} ms; ` +
        `${events} events checked on devices, ${replayed} of them replayed; ` +
        `${notResumed + behind === 0 ? 'every device at its head' : 'stopped waiting'} ` +
        `${(caughtUpAfter / 1000).toFixed(1)} s after the drop; server RSS after the storm ${mb(afterStorm.rss)}`,
    );
    return {
      devices: devicesCount,
      accounts: accountsCount,
      ordersPerSec: Math.round(placedPerSec),
      cancelsPerSec: Math.round(cancelsPerSec),
      p50Ms: placed.p50Ms,
      p90Ms: placed.p90Ms,
      p99Ms: placed.p99Ms,
      maxMs: placed.maxMs,
      samples: placed.samples,
      samplesBeforeAck: placed.beforeAck,
      missingArrivals: placed.missing,
      allDevicesP99Ms: placed.allDevicesP99Ms,
      ackP50Ms: placed.ackP50Ms,
      ackP99Ms: placed.ackP99Ms,
      sentToDeviceP50Ms: placed.fromSubmitP50Ms,
      sentToDeviceP99Ms: placed.fromSubmitP99Ms,
      cancelP50Ms: cancelled.p50Ms,
      cancelP99Ms: cancelled.p99Ms,
      bytesPerConnection: Math.round(rssPerDevice),
      heapPerConnection: Math.round(heapPerDevice),
      rssPerConnectionAfterStorm: Math.round((afterStorm.rss - rssBefore) / devicesCount),
      heapPerConnectionAfterStorm: Math.round(heapAndExternal(afterStorm, baseline) / devicesCount),
      reconnectedGapFree: gapFree.length,
      reconnectSeconds: Math.round(reconnectSeconds * 10) / 10,
      replayedEvents: replayed,
      reconnectRetries: retries,
      notResumed,
      listenOverflows,
      synRetransmits,
      faultyDevices: faults.length,
      failedRequests: load.failures,
      skippedOrders: load.skipped,
      refusedCancels: load.refusedCancels,
      maxBacklog: load.maxBacklog,
      serverCpu: Math.round(serverCpu * 100) / 100,
      serverElu: Math.round(serverEnd.elu * 100) / 100,
      serverLoopDelayP99Ms: Math.round(serverEnd.loopDelayP99Ms),
      benchElu: Math.round(clientUse * 100) / 100,
      connectSeconds: Math.round(connectSeconds * 10) / 10,
      loadAverage: Math.round(loadAverage * 10) / 10,
      seconds,
      rate,
      seed,
      runSeconds: Math.round((performance.now() - benchStarted) / 1000),
    };
  } finally {
    const stopping = performance.now();
    for (const device of devices) device.drop();
    pool?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    log(`stopped the server and removed its data in ${elapsed(stopping)}`);
  }
}

/** Every account gets USDT and BTC through the operator's deposit endpoint, as in bench:orders. */
async function fund(pool: HttpPool, adminToken: string, emails: readonly string[]): Promise<void> {
  const headers = { 'x-lockstep-admin-token': adminToken };
  await Promise.all(
    emails.flatMap((email) =>
      [
        { asset: 'USDT', amount: '2000' },
        { asset: 'BTC', amount: '1' },
      ].map(async (deposit) => {
        const { status, body } = await pool.request('POST', '/v1/admin/deposits', headers, {
          email,
          ...deposit,
        });
        if (status !== 200) throw new Error(`deposit answered ${status} ${JSON.stringify(body)}`);
      }),
    ),
  );
}

/** Brings every device online, `connectConcurrency` handshakes at a time; any failure ends the run. */
async function connectAll(devices: readonly Device[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connectConcurrency }, async () => {
      while (next < devices.length) await devices[next++]!.connect();
    }),
  );
}

/** Each account's stream head (last seq) as committed in the store, read beside the running server. */
function durableHeads(file: string, accountIds: readonly number[]): number[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const select = db.prepare<[number], { seq: number }>(
      'SELECT stream_seq AS seq FROM accounts WHERE id = ?',
    );
    return accountIds.map((id) => select.get(id)!.seq);
  } finally {
    db.close();
  }
}

/** `count` probes of the server, one second apart, each after two full GCs. */
async function readings(server: BenchServer, count: number): Promise<ServerProbe[]> {
  const probes: ServerProbe[] = [];
  for (let i = 0; i < count; i += 1) {
    await sleep(1000);
    probes.push(await server.probe(true));
  }
  return probes;
}

function heapAndExternal(after: ServerProbe, before: ServerProbe): number {
  return after.heapUsed + after.external - (before.heapUsed + before.external);
}

/**
 * The kernel's count of connections dropped because a listen queue was full, and of SYNs sent
 * again (Linux, whole machine; null elsewhere). A dropped handshake is retried by TCP after 1 s,
 * then 2, 4, 8 s…, which is what a reconnect storm's slowest devices wait on.
 */
function tcpCounters(): { listenOverflows: number; synRetransmits: number } | null {
  if (!existsSync('/proc/net/netstat')) return null;
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const at = lines.findIndex((line) => line.startsWith('TcpExt:'));
  if (at < 0 || !lines[at + 1]) return null;
  const names = lines[at]!.split(' ');
  const values = lines[at + 1]!.split(' ').map(Number);
  const value = (name: string): number => values[names.indexOf(name)] ?? NaN;
  return { listenOverflows: value('ListenOverflows'), synRetransmits: value('TCPSynRetrans') };
}

/** Two processes each hold one socket per device; say so plainly instead of failing with EMFILE. */
function checkFileLimit(needed: number): void {
  const limit = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  if (Number.isFinite(limit) && limit < needed)
    throw new Error(
      `open-file limit ${limit} is below the ${needed} sockets this run needs in each process; ` +
        `raise it (ulimit -n ${needed}) or run fewer devices (BENCH_DEVICES)`,
    );
}

// The JSON goes out after the server has stopped, so nothing can print after it.
console.log(JSON.stringify(await main()));
