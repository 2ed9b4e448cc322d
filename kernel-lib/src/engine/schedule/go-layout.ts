/**
 * Go's time layouts, which KFP's `[[ScheduledTime.<layout>]]` macros use: a layout is the
 * reference time `Mon Jan 2 15:04:05 MST 2006` written the way the output should look, and every
 * other character is copied as is. The tokens (all of Go's `time.Format`):
 *
 * | token | meaning | example |
 * | --- | --- | --- |
 * | `2006` `06` | year, 4 digits / last 2 | 2026 26 |
 * | `_2006` | a literal `_` then the 4-digit year | _2026 |
 * | `01` `1` `Jan` `January` | month: 2 digits / plain / short name / name | 03 3 Mar March |
 * | `02` `2` `_2` | day of month: 2 digits / plain / space-padded | 08 8 ` 8` |
 * | `002` `__2` | day of year: 3 digits / space-padded | 067 ` 67` |
 * | `Mon` `Monday` | weekday: short name / name | Sun Sunday |
 * | `15` `03` `3` | hour: 24-hour / 12-hour 2 digits / 12-hour plain | 15 03 3 |
 * | `04` `4` | minute: 2 digits / plain | 05 5 |
 * | `05` `5` | second: 2 digits / plain | 09 9 |
 * | `PM` `pm` | AM/PM, am/pm | PM pm |
 * | `.000` `,000` `.999` | fraction of a second, n digits; `9`s drop trailing zeros | .120 .12 |
 * | `MST` | zone abbreviation | UTC CDT CET |
 * | `-0700` `-07:00` `-07` `-070000` `-07:00:00` | offset from UTC | -0500 -05:00 -05 |
 * | `Z0700` `Z07:00` `Z07` `Z070000` `Z07:00:00` | the same, but `Z` for UTC | Z -05:00 |
 *
 * As in Go, a token is recognised wherever it appears, so a literal word containing one changes
 * (`Monthly` prints the weekday followed by `thly`).
 */
import { DEFAULT_TIME_ZONE, wallTimeIn, zoneAbbreviation, type WallTime } from './timezone';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly format: (t: WallTime, at: Date, zone: string) => string };

const pad = (n: number, width: number, fill = '0') => String(n).padStart(width, fill);
const hour12 = (h: number) => (h % 12 === 0 ? 12 : h % 12);

function offsetText(offset: number, colon: boolean, minutes: boolean, seconds: boolean): string {
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  const sep = colon ? ':' : '';
  let text = sign + pad(Math.floor(abs / 3600), 2);
  if (minutes) text += sep + pad(Math.floor((abs % 3600) / 60), 2);
  if (seconds) text += sep + pad(abs % 60, 2);
  return text;
}

/** The zone offset tokens, longest first so that `-07:00:00` wins over `-07:00` and `-07`. */
const OFFSET_SHAPES: readonly { readonly text: string; colon: boolean; m: boolean; s: boolean }[] =
  [
    { text: '070000', colon: false, m: true, s: true },
    { text: '07:00:00', colon: true, m: true, s: true },
    { text: '0700', colon: false, m: true, s: false },
    { text: '07:00', colon: true, m: true, s: false },
    { text: '07', colon: false, m: false, s: false },
  ];

const field = (format: (t: WallTime, at: Date, zone: string) => string): Token => ({
  kind: 'field',
  format,
});

/** Finds the token at `layout[i]`, returning it and its length, or undefined for a literal. */
function tokenAt(layout: string, i: number): [Token, number] | undefined {
  const has = (s: string) => layout.startsWith(s, i);
  switch (layout[i]) {
    case 'J':
      if (has('January')) return [field((t) => MONTHS[t.month - 1] ?? ''), 7];
      if (has('Jan')) return [field((t) => (MONTHS[t.month - 1] ?? '').slice(0, 3)), 3];
      return undefined;
    case 'M':
      if (has('Monday')) return [field((t) => WEEKDAYS[t.weekday] ?? ''), 6];
      if (has('Mon')) return [field((t) => (WEEKDAYS[t.weekday] ?? '').slice(0, 3)), 3];
      if (has('MST')) return [field((_t, at, zone) => zoneAbbreviation(at, zone)), 3];
      return undefined;
    case '0':
      if (has('002')) return [field((t) => pad(t.dayOfYear, 3)), 3];
      switch (layout[i + 1]) {
        case '1':
          return [field((t) => pad(t.month, 2)), 2];
        case '2':
          return [field((t) => pad(t.day, 2)), 2];
        case '3':
          return [field((t) => pad(hour12(t.hour), 2)), 2];
        case '4':
          return [field((t) => pad(t.minute, 2)), 2];
        case '5':
          return [field((t) => pad(t.second, 2)), 2];
        case '6':
          return [field((t) => pad(t.year % 100, 2)), 2];
        default:
          return undefined;
      }
    case '1':
      if (has('15')) return [field((t) => pad(t.hour, 2)), 2];
      return [field((t) => String(t.month)), 1];
    case '2':
      if (has('2006')) return [field((t) => pad(t.year, 4)), 4];
      return [field((t) => String(t.day)), 1];
    case '_':
      if (has('_2006')) return [field((t) => `_${pad(t.year, 4)}`), 5];
      if (has('_2')) return [field((t) => pad(t.day, 2, ' ')), 2];
      if (has('__2')) return [field((t) => pad(t.dayOfYear, 3, ' ')), 3];
      return undefined;
    case '3':
      return [field((t) => String(hour12(t.hour))), 1];
    case '4':
      return [field((t) => String(t.minute)), 1];
    case '5':
      return [field((t) => String(t.second)), 1];
    case 'P':
      if (has('PM')) return [field((t) => (t.hour >= 12 ? 'PM' : 'AM')), 2];
      return undefined;
    case 'p':
      if (has('pm')) return [field((t) => (t.hour >= 12 ? 'pm' : 'am')), 2];
      return undefined;
    case '-':
    case 'Z': {
      const iso = layout[i] === 'Z';
      for (const shape of OFFSET_SHAPES) {
        if (layout.startsWith(shape.text, i + 1)) {
          const format = (t: WallTime) =>
            iso && t.offsetSeconds === 0
              ? 'Z'
              : offsetText(t.offsetSeconds, shape.colon, shape.m, shape.s);
          return [field(format), shape.text.length + 1];
        }
      }
      return undefined;
    }
    case '.':
    case ',': {
      const digit = layout[i + 1];
      if (digit !== '0' && digit !== '9') return undefined;
      let j = i + 1;
      while (layout[j] === digit) j++;
      if (/[0-9]/.test(layout[j] ?? '')) return undefined;
      const separator = layout[i] as string;
      const width = j - (i + 1);
      const format = (t: WallTime) => {
        const digits = pad(t.millisecond * 1_000_000, 9).slice(0, Math.min(width, 9));
        if (digit === '0') return separator + digits.padEnd(width, '0');
        const trimmed = digits.replace(/0+$/, '');
        return trimmed === '' ? '' : separator + trimmed;
      };
      return [field(format), j - i];
    }
    default:
      return undefined;
  }
}

const compiled = new Map<string, readonly Token[]>();

function tokenize(layout: string): readonly Token[] {
  const cached = compiled.get(layout);
  if (cached !== undefined) return cached;
  const tokens: Token[] = [];
  let literal = '';
  let i = 0;
  while (i < layout.length) {
    const found = tokenAt(layout, i);
    if (found === undefined) {
      literal += layout[i];
      i++;
      continue;
    }
    if (literal !== '') tokens.push({ kind: 'literal', text: literal });
    literal = '';
    tokens.push(found[0]);
    i += found[1];
  }
  if (literal !== '') tokens.push({ kind: 'literal', text: literal });
  if (compiled.size < 256) compiled.set(layout, tokens);
  return tokens;
}

/** Go's default layout for KFP's `[[ScheduledTime]]` and `[[CurrentTime]]`. */
export const KFP_DEFAULT_TIME_LAYOUT = '20060102150405';

/** Go's `time.RFC3339` layout. */
export const RFC3339_LAYOUT = '2006-01-02T15:04:05Z07:00';

/**
 * Formats an instant with a Go time layout, in a time zone.
 *
 * @param timeZone - IANA name. @default `'UTC'`
 */
export function formatGoTime(
  at: Date,
  layout: string,
  timeZone: string = DEFAULT_TIME_ZONE,
): string {
  const wall = wallTimeIn(at, timeZone);
  let out = '';
  for (const token of tokenize(layout)) {
    out += token.kind === 'literal' ? token.text : token.format(wall, at, timeZone);
  }
  return out;
}
