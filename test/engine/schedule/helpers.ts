/** Shared helpers of the scheduling tests. */
import { formatGoTime } from '../../../kernel-lib/src/engine/schedule';

/** A UTC instant from an ISO string. */
export const utc = (iso: string): Date => new Date(iso);

/** Instants as ISO strings, for readable assertions. */
export const iso = (dates: readonly (Date | undefined)[]): (string | undefined)[] =>
  dates.map((d) => d?.toISOString());

/** Instants as local wall times with the zone abbreviation (`2026-03-08 03:00:00 CDT`). */
export const local = (dates: readonly Date[], timeZone: string): string[] =>
  dates.map((d) => formatGoTime(d, '2006-01-02 15:04:05 MST', timeZone));

/** A small seeded PRNG (xorshift32), so property tests are reproducible. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** A whole number in [min, max] from a PRNG. */
export const between = (next: () => number, min: number, max: number): number =>
  min + Math.floor(next() * (max - min + 1));
