/**
 * Counter-based pseudo-random numbers: each value is a hash of (seed, key, stream), so any day's
 * draws can be recomputed on their own — which is what keeps `appendNewDays` identical to a full
 * rebuild — and no state is carried between calls.
 */

/** The murmur3 32-bit finaliser: a bijective mix with good avalanche. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a seed and two integer keys. */
export function hash32(seed: number, key: number, stream: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(key | 0, 0x27d4eb2f));
  h = mix32(h ^ Math.imul((stream + 1) | 0, 0x165667b1));
  return h;
}

/** A uniform number in the open interval (0, 1). */
export function uniform(seed: number, key: number, stream: number): number {
  return (hash32(seed, key, stream) + 0.5) / 4_294_967_296;
}

/** A standard normal number (Box–Muller on two uniforms of streams `2s` and `2s + 1`). */
export function normal(seed: number, key: number, stream: number): number {
  const u1 = uniform(seed, key, 2 * stream);
  const u2 = uniform(seed, key, 2 * stream + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Checks that a seed is an unsigned 32-bit integer. */
export function isValidSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff;
}
