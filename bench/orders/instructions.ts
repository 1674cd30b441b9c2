import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mulberry32 as seededRandom } from '@lockstep/engine';
import { spawnServer } from '../../test/support/child-server.ts';
import { callgrindLauncher, callgrindReady, callgrindTotal } from '../callgrind.ts';
import { fundedAccounts } from './accounts.ts';
import { groupCommitTotals } from './group-commit.ts';
import { HttpConnection } from './http-connection.ts';
import { tradeOnce, type TradeTally } from './trade.ts';

/**
 * `npm run bench:orders-instructions`: the machine instructions the server executes per request
 * of `bench:orders`' load, counted by valgrind's callgrind. On a shared VM the clock cannot judge
 * a change of a few per cent to the server: two 20 s runs of `bench:orders` on the same code
 * differed by up to 16 %, and the VM's speed drifts by more within an hour. This count does not
 * depend on the machine's load, so two versions of the server can be compared on any machine.
 *
 * The server is `apps/server/src/main.ts` (what `npm start` runs, demo bot off, log level `info`)
 * on a fresh data folder, in its own process under callgrind, with counting off while it starts.
 * 64 keep-alive connections over 16 accounts then send the requests of `bench:orders` (the same
 * seeded order and cancel sequence, `trade.ts`). First a warm-up, so that V8 has compiled the hot
 * code with the feedback of every branch the measured requests take: 150 requests per client and
 * at least 75 s (sessions are touched and candles roll over once a minute), one scrape of
 * `/metrics`, then 10 requests per client with counting on (the counted server runs about 50
 * times slower, and its sockets take other branches at that pace). The counters are then zeroed
 * and `BENCH_REQUESTS_PER_CLIENT` (30) requests per client are counted: their HTTP parsing,
 * routing, authentication, engine, the SQLite work of their batches and the answers. Each warm-up
 * step was added after a run whose count held V8 deoptimising and recompiling hot functions.
 *
 * Node runs in V8's deterministic mode (`--predictable`: one thread, so garbage collection and
 * compilation are counted where they fall). What the count does not show: time in the kernel
 * (WAL writes and their fsync, sockets), cache misses, and how batches form at full speed; under
 * callgrind all 64 requests meet in each batch, as nearly all do at full load. The server's write
 * calls and bytes over the measured requests are printed beside it (`/proc/PID/io`).
 */
const clients = 64;
const accountsCount = 16;
const warmupPerClient = Number(process.env.BENCH_WARMUP_PER_CLIENT ?? 150);
/** Requests per client in the warm-up round that runs counted, at the counted server's pace. */
const slowWarmupPerClient = 10;
/** Real time the warm-up lasts at least (see `touchIntervalMs`, 60 s by default). */
const warmupMinMs = 75_000;
const measuredPerClient = Number(process.env.BENCH_REQUESTS_PER_CLIENT ?? 30);
const seed = Number(process.env.BENCH_SEED ?? 42);

const run = promisify(execFile);

/**
 * V8's compilers and parser, by symbol: with `--predictable` they run on the server's thread, so a
 * function V8 optimises late lands in the measured requests in one run and not in the next. They
 * are counted apart and left out of `instructionsPerRequest`; in a normal server TurboFan
 * compiles on a background thread.
 */
const compilation =
  /v8::internal::(compiler|maglev|baseline|interpreter|turboshaft)::|v8::internal::(Parser|ParserBase<|PreParser|Scanner|Compiler|Zone)\b/;

/**
 * V8's garbage collector, by symbol. Its work is the server's and stays in the count, but it comes
 * in steps: a full collection that falls inside the measured requests adds about 400 million
 * instructions (200,000 a request at 30 per client; a run without one spends about 9,000 a request
 * collecting), so it is printed apart to show when a run held one.
 */
const collector =
  /(v8::internal::|heap::base::).*(Scaveng|MarkCompact|Marking|Evacuat|Ephemeron|Sweep|IteratePointers|Heap::|AllocateInNewSpace|MemoryAllocator|PagedSpace)/;

/** Instructions by function (self cost), from callgrind_annotate. */
async function selfCosts(file: string): Promise<Array<{ name: string; instructions: number }>> {
  const { stdout } = await run('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], {
    maxBuffer: 1 << 28,
  });
  const costs: Array<{ name: string; instructions: number }> = [];
  for (const line of stdout.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (match && !match[2]!.includes('PROGRAM TOTALS'))
      costs.push({ name: match[2]!, instructions: Number(match[1]!.replaceAll(',', '')) });
  }
  return costs;
}

/**
 * The server's write calls so far and the bytes they passed (`/proc/PID/io` `syscw` and `wchar`):
 * its WAL frames, checkpoints and answers. Over the same requests the answers do not change, so a
 * difference between two versions is what they write to the store.
 */
function writes(pid: number): { calls: number; bytes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
  return { calls: field('syscw'), bytes: field('wchar') };
}

async function main(): Promise<void> {
  if (!callgrindReady('bench:orders-instructions')) return;
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-orders-instructions-'));
  const dataDir = join(dir, 'data');
  const out = join(dir, 'server.callgrind');
  const started = Date.now();
  const { child, url } = await spawnServer(dataDir, {
    launcher: callgrindLauncher(out),
    // V8's deterministic mode (one thread, fixed seeds); `--perf-basic-prof` in BENCH_NODE_FLAGS
    // names JIT code for callgrind_annotate (through /tmp/perf-PID.map).
    nodeFlags: ['--predictable', ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
    logLevel: 'info',
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  try {
    const control = (...args: string[]): Promise<unknown> =>
      run('callgrind_control', [...args, String(child.pid)]);
    const tokens = await fundedAccounts(url, dataDir, accountsCount);
    const random = seededRandom(seed);
    const states = await Promise.all(
      Array.from({ length: clients }, async (_, i) => ({
        connection: await HttpConnection.open(url, tokens[i % tokens.length]!),
        rand: seededRandom(Math.floor(random() * 2 ** 31)),
        open: [] as number[],
      })),
    );
    const round = async (perClient: number): Promise<TradeTally> => {
      const tally = { orders: 0, cancels: 0, refused: 0 };
      await Promise.all(
        states.map(async (s) => {
          for (let i = 0; i < perClient; i += 1) await tradeOnce(s.connection, s.rand, s.open, 0, tally);
        }),
      );
      return tally;
    };
    // Warm up for at least a minute as well: a session is touched (its last activity stored) once a
    // minute, and candles roll over each minute. A warm-up shorter than that left those branches
    // out of V8's feedback, and the slow measured phase, which lasts over a minute, hit them: hot
    // functions such as authenticate were deoptimised and recompiled in the count, 60 k
    // instructions a request more.
    const warmedAt = Date.now() + warmupMinMs;
    await round(warmupPerClient);
    // The measured round is bracketed by scrapes of /metrics: one in the warm-up, so that the
    // generic reply code has seen its text answer before V8 optimises it for the last time (a
    // first scrape just before the measured round deoptimised a dozen hot functions there).
    await groupCommitTotals(url);
    while (Date.now() < warmedAt) await round(10);
    // Then a round with counting on, before the counters are zeroed: the counted server runs about
    // 50 times slower, and at that pace its sockets and timers take branches the full-speed
    // warm-up never took (stream write callbacks, for one); without this round V8 deoptimised and
    // recompiled them inside the measured requests.
    await control('--instr=on');
    await round(slowWarmupPerClient);
    const batchesBefore = await groupCommitTotals(url);
    const ioBefore = writes(child.pid!);
    await control('--zero');
    const tally = await round(measuredPerClient);
    await control('--instr=off');
    const ioAfter = writes(child.pid!);
    const batchesAfter = await groupCommitTotals(url);
    const commandsPerBatch =
      Math.round(
        ((batchesAfter.commands - batchesBefore.commands) / (batchesAfter.count - batchesBefore.count)) * 10,
      ) / 10;
    await control('--dump=measured');
    for (const s of states) s.connection.close();
    const dumps = readdirSync(dir).filter((name) => name.startsWith('server.callgrind.'));
    if (dumps.length !== 1) throw new Error(`expected one callgrind dump, found ${dumps.join(', ')}`);
    const instructions = callgrindTotal(join(dir, dumps[0]!));
    // For callgrind_annotate: where the instructions went (JIT code shows as addresses).
    if (process.env.BENCH_CALLGRIND_OUT) {
      copyFileSync(join(dir, dumps[0]!), process.env.BENCH_CALLGRIND_OUT);
      console.log(`callgrind output: ${process.env.BENCH_CALLGRIND_OUT} (server pid ${child.pid})`);
    }
    const costs = await selfCosts(join(dir, dumps[0]!));
    const sumOf = (pattern: RegExp): number =>
      costs.filter((f) => pattern.test(f.name)).reduce((sum, f) => sum + f.instructions, 0);
    const compiled = sumOf(compilation);
    const requests = tally.orders + tally.cancels + tally.refused;
    const collectorPerRequest = Math.round(sumOf(collector) / requests);
    const perRequest = Math.round(instructions / requests);
    const withoutCompilation = Math.round((instructions - compiled) / requests);
    const writeCallsPerRequest = Math.round(((ioAfter.calls - ioBefore.calls) / requests) * 100) / 100;
    const writtenBytesPerRequest = Math.round((ioAfter.bytes - ioBefore.bytes) / requests);
    console.log(
      `${clients} clients, ${warmupPerClient} warm-up and ${measuredPerClient} measured requests each: ` +
        `${tally.orders} orders placed, ${tally.cancels} cancels, ${tally.refused} refused; ` +
        `${Math.round((Date.now() - started) / 1000)} s under callgrind`,
    );
    console.log(
      `server: ${withoutCompilation.toLocaleString('en')} instructions per request without V8's compilers ` +
        `(${perRequest.toLocaleString('en')} with them), of which the garbage collector ` +
        collectorPerRequest.toLocaleString('en'),
    );
    console.log(
      `writes (WAL, checkpoints and answers): ${writeCallsPerRequest} calls, ${writtenBytesPerRequest} bytes per request`,
    );
    console.log(
      JSON.stringify({
        requests,
        instructions,
        compilationInstructions: compiled,
        instructionsPerRequest: withoutCompilation,
        withCompilationPerRequest: perRequest,
        collectorPerRequest,
        writeCallsPerRequest,
        writtenBytesPerRequest,
        commandsPerBatch,
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
