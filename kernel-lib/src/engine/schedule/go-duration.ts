/**
 * Go durations, as `time.ParseDuration` reads them: a sequence of decimal numbers, each with an
 * optional fraction and a unit (`300ms`, `1.5h`, `1h30m`, `-2m`), or a bare `0`. Units: `ns`,
 * `us` (or `µs`), `ms`, `s`, `m`, `h`. Go has no day unit: `24h` is a day. Fractions finer than a
 * nanosecond are truncated, as Go does. robfig/cron's `@every <duration>` uses this syntax.
 */
import { DurationError, type ScheduleErrorContext } from './errors';

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // µ MICRO SIGN
  ['\u03bcs', 1_000n], // μ GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** Go's durations are int64 nanoseconds. */
const MAX_NANOS = 2n ** 63n - 1n;

const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]*)/;

/**
 * Parses a Go duration into nanoseconds.
 *
 * @throws {@link DurationError} naming what is wrong (no unit, an unknown unit, a day unit...).
 */
export function parseGoDuration(text: string, context: ScheduleErrorContext = {}): bigint {
  const bad = (why: string) => new DurationError(`Duration '${text}' ${why}`, text, context);
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') {
    throw bad("is empty: write a number and a unit, e.g. '90s', '15m' or '1h30m'.");
  }
  let total = 0n;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    const [whole, intDigits = '', fracDigits, unit = ''] = match ?? [];
    if (whole === undefined || (intDigits === '' && (fracDigits ?? '') === '')) {
      throw bad(`has no number before '${rest}': write e.g. '90s', '15m' or '1h30m'.`);
    }
    if (unit === '') {
      throw bad(`has a number without a unit: add one of h, m, s, ms, us, ns (e.g. '${rest}s').`);
    }
    const perUnit = NANOS_PER_UNIT.get(unit);
    if (perUnit === undefined) {
      if (unit === 'd' || unit === 'day' || unit === 'days') {
        throw bad(`uses a day unit, which Go durations do not have: write hours, e.g. '24h'.`);
      }
      throw bad(`has an unknown unit '${unit}': use h, m, s, ms, us or ns.`);
    }
    let part = BigInt(intDigits === '' ? '0' : intDigits) * perUnit;
    if (fracDigits !== undefined && fracDigits !== '') {
      part += (BigInt(fracDigits) * perUnit) / 10n ** BigInt(fracDigits.length);
    }
    total += part;
    if (total > MAX_NANOS) throw bad('is too long: Go durations stop at about 292 years.');
    rest = rest.slice(whole.length);
  }
  return negative ? -total : total;
}
