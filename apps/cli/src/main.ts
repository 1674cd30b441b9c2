import { processIo } from './io.ts';
import { run } from './run.ts';

// The process entry of `lockstep` (bin/lockstep.js loads it); tests call run() directly instead.
process.exitCode = await run(process.argv.slice(2), processIo());
