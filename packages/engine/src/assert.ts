/**
 * Invariant assertions in the TigerBeetle habit: one condition per call, and a broken invariant
 * stops the engine instead of letting it trade on corrupt state.
 */

/** Throws when an engine invariant does not hold; never used for business rejections. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`engine invariant broken: ${message}`);
}
