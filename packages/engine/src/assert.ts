/**
 * Invariant assertions in the TigerBeetle habit: one condition per check, and a broken invariant
 * stops the engine instead of letting it trade on corrupt state. Code that runs once per command
 * or more writes the check inline, `if (!(condition)) invariantBroken(message)`; the rest may call
 * `assert`.
 */

/** Throws when an engine invariant does not hold; never used for business rejections. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`engine invariant broken: ${message}`);
}

/**
 * Stops the engine on a broken invariant. Hot paths test the condition inline and call this only
 * when it fails: V8 inlines a called `assert` into every hot function, which used up the inlining
 * budget those functions need for their accessors (`npm run bench:engine-instructions`: 4,959
 * instructions a command with `assert`, 4,786 with inline checks).
 */
export function invariantBroken(message: string): never {
  throw new Error(`engine invariant broken: ${message}`);
}
