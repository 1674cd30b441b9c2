import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Milliseconds to let V8's background sweeping finish after a forced collection. */
const settleMs = 250;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * A full collection, then a pause in which V8's helper threads finish their work: run before every
 * timed pass, so that no engine pays for the garbage of the one before it.
 */
export function collectGarbage(): void {
  gc();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, settleMs);
}
