import type { EngineSnapshot } from './snapshot.ts';

/**
 * A 64-bit fingerprint of a snapshot's canonical JSON (two independent 32-bit FNV-1a style lanes),
 * as exchange-core compares engines by state hash. Equal states give equal hashes; different
 * states collide with negligible probability. Not cryptographic.
 */
export function hashSnapshot(snapshot: EngineSnapshot): string {
  const text = JSON.stringify(snapshot);
  let high = 0x811c9dc5;
  let low = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x5bd1e995);
    low ^= low >>> 15;
  }
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}
