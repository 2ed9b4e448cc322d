/**
 * KFP's cron format. KFP's ScheduledWorkflow controller parses `cron_schedule.cron` with
 * robfig/cron (v1), whose default parser puts a seconds field first:
 *
 * ```
 * second minute hour day-of-month month day-of-week      0 0 3 * * *  = every day at 03:00:00
 * ```
 *
 * What Pipelab accepts, and where it is stricter than robfig (so that what Pipelab accepts runs
 * the same on a KFP cluster, and a mistake is reported instead of silently meaning something
 * else):
 *
 * - Exactly 6 fields. robfig also takes 5 (the day-of-week becomes optional, so `0 3 * * *`
 *   means "second 0, minute 3, every hour"): Pipelab rejects 5 fields and suggests the 6-field
 *   form, since a 5-field expression is almost always a classic crontab line.
 * - `*` and `?` (the same; meant for the day fields, accepted in any field as robfig does),
 *   values, ranges `a-b`, steps `*\/n`, `a-b/n` and `a/n` (= `a-max/n`), lists `a,b,c`.
 * - Month names JAN-DEC and day names SUN-SAT, case-insensitive, also in ranges (`MON-FRI`).
 * - Day-of-week is 0-6 with 0 = Sunday. robfig rejects 7, so Pipelab does too (with a hint to
 *   write 0 or SUN): an expression with 7 would fail on a cluster.
 * - Empty list items (`1,,2`) are an error (robfig skips them silently); so is a step of 0.
 * - Descriptors `@yearly`/`@annually` (0 0 0 1 1 *), `@monthly` (0 0 0 1 * *), `@weekly`
 *   (0 0 0 * * 0), `@daily`/`@midnight` (0 0 0 * * *), `@hourly` (0 0 * * * *), lowercase as in
 *   robfig, and `@every <Go duration>` (`@every 1h30m`), a whole number of seconds >= 1s.
 * - Day matching follows robfig: when the day-of-month or the day-of-week field starts with `*`
 *   or `?` (including `*\/n`), a day must match both fields; when both are restricted, a day
 *   matches when either does (`0 0 0 1 * MON` = the 1st of each month and every Monday).
 * - An expression that can never fire (`0 0 0 30 2 *`) is an error rather than a silent no-op.
 */
import { parseGoDuration } from './go-duration';
import { CronError, ScheduleError, type CronFieldName, type ScheduleErrorContext } from './errors';

/** The parsed value sets of a 6-field cron expression (each sorted ascending, no duplicates). */
export interface CronFields {
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  /** 0 = Sunday ... 6 = Saturday. */
  readonly daysOfWeek: readonly number[];
  /** The day-of-month field starts with `*` or `?` (robfig's "star" rule for day matching). */
  readonly dayOfMonthWildcard: boolean;
  /** The day-of-week field starts with `*` or `?`. */
  readonly dayOfWeekWildcard: boolean;
  /**
   * The hour field starts with `*` or `?` (`*`, `*\/2`): the schedule runs every hour (or every
   * n hours) rather than at named hours, which decides how daylight-saving changes treat it
   * (see timezone.ts).
   */
  readonly hourWildcard: boolean;
}

/** A parsed cron expression: calendar fields, or a fixed `@every` delay. */
export type CronExpression =
  | { readonly kind: 'fields'; readonly source: string; readonly fields: CronFields }
  | { readonly kind: 'every'; readonly source: string; readonly everySeconds: number };

interface FieldSpec {
  readonly name: CronFieldName;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly namesHint?: string;
}

const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const FULL_DAY_NAMES = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

const FIELD_SPECS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesHint: 'JAN-DEC' },
  { name: 'day-of-week', min: 0, max: 6, names: DAY_NAMES, namesHint: 'SUN-SAT' },
];

const FIELD_ORDER = 'second minute hour day-of-month month day-of-week';
const EXAMPLE = "'0 0 3 * * *' (every day at 03:00:00)";

const DESCRIPTORS: ReadonlyMap<string, string> = new Map([
  ['@yearly', '0 0 0 1 1 *'],
  ['@annually', '0 0 0 1 1 *'],
  ['@monthly', '0 0 0 1 * *'],
  ['@weekly', '0 0 0 * * 0'],
  ['@daily', '0 0 0 * * *'],
  ['@midnight', '0 0 0 * * *'],
  ['@hourly', '0 0 * * * *'],
]);

/**
 * Parses a KFP cron expression (6 fields with seconds first, or a descriptor).
 *
 * @param context - `field` names the request field in errors (`trigger.cron_schedule.cron`).
 * @throws {@link CronError} saying what is wrong and how to write it instead.
 */
export function parseCron(expression: string, context: ScheduleErrorContext = {}): CronExpression {
  const source = expression.trim();
  const bad = (message: string, cronField?: CronFieldName) =>
    new CronError(message, expression, { ...context, cronField });
  if (source === '') {
    throw bad(`The cron expression is empty: write 6 fields (${FIELD_ORDER}), e.g. ${EXAMPLE}.`);
  }
  if (source.startsWith('@')) return parseDescriptor(source, bad);

  const parts = source.split(/\s+/);
  if (parts.length === 5) {
    throw bad(
      `Cron '${source}' has 5 fields, but KFP's cron has a seconds field first: write ` +
        `'0 ${parts.join(' ')}' (the fields are ${FIELD_ORDER}).`,
    );
  }
  if (parts.length > 6) {
    throw bad(
      `Cron '${source}' has ${parts.length} fields; KFP's cron has exactly 6 (${FIELD_ORDER}) ` +
        `and no year field: remove the extra field${parts.length > 7 ? 's' : ''}.`,
    );
  }
  if (parts.length < 6) {
    throw bad(
      `Cron '${source}' has ${parts.length} field${parts.length === 1 ? '' : 's'}; KFP's cron ` +
        `needs 6 (${FIELD_ORDER}), e.g. ${EXAMPLE}.`,
    );
  }

  const parsed = FIELD_SPECS.map((spec, i) => parseField(parts[i] ?? '', spec, source, bad));
  const [sec, min, hour, dom, month, dow] = parsed as [
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
  ];
  const fields: CronFields = {
    seconds: sec.values,
    minutes: min.values,
    hours: hour.values,
    daysOfMonth: dom.values,
    months: month.values,
    daysOfWeek: dow.values,
    dayOfMonthWildcard: dom.wildcard,
    dayOfWeekWildcard: dow.wildcard,
    hourWildcard: hour.wildcard,
  };
  checkCanFire(fields, source, bad);
  return { kind: 'fields', source, fields };
}

type MakeError = (message: string, cronField?: CronFieldName) => CronError;

function parseDescriptor(source: string, bad: MakeError): CronExpression {
  const [word = '', ...rest] = source.split(/\s+/);
  if (word === '@every') {
    const text = rest.join(' ');
    if (text === '') {
      throw bad(`'@every' needs a Go duration after it, e.g. '@every 1h30m' or '@every 90s'.`);
    }
    let nanos: bigint;
    try {
      nanos = parseGoDuration(text);
    } catch (e) {
      if (e instanceof ScheduleError) throw bad(`Cron '${source}': ${e.message}`);
      throw e;
    }
    if (nanos < 1_000_000_000n) {
      throw bad(`Cron '${source}': the shortest '@every' interval is 1s; write e.g. '@every 1s'.`);
    }
    if (nanos % 1_000_000_000n !== 0n) {
      throw bad(
        `Cron '${source}': KFP schedules to the second, so '@every' needs a whole number of ` +
          `seconds (e.g. '@every ${nanos / 1_000_000_000n}s').`,
      );
    }
    return { kind: 'every', source, everySeconds: Number(nanos / 1_000_000_000n) };
  }
  const equivalent = rest.length === 0 ? DESCRIPTORS.get(word) : undefined;
  if (equivalent !== undefined) {
    const parsed = parseCron(equivalent);
    return { ...parsed, source };
  }
  const known = [...DESCRIPTORS.keys(), '@every <duration>'].join(', ');
  if (rest.length === 0 && DESCRIPTORS.has(word.toLowerCase())) {
    throw bad(`Cron descriptors are lowercase in KFP's cron: write '${word.toLowerCase()}'.`);
  }
  if (rest.length > 0 && DESCRIPTORS.has(word)) {
    throw bad(`Cron descriptor '${word}' takes nothing after it: write just '${word}'.`);
  }
  if (word.toLowerCase() === '@every') {
    throw bad(`Cron descriptors are lowercase in KFP's cron: write '@every ${rest.join(' ')}'.`);
  }
  if (word === '@reboot') {
    throw bad(`'@reboot' is not a schedule KFP's cron knows: use one of ${known}.`);
  }
  throw bad(`Unknown cron descriptor '${word}': use one of ${known}.`);
}

interface ParsedField {
  readonly values: number[];
  readonly wildcard: boolean;
}

function parseField(text: string, spec: FieldSpec, source: string, bad: MakeError): ParsedField {
  const where = `the ${spec.name} field ('${text}') of cron '${source}'`;
  const fail = (why: string) => bad(`In ${where}: ${why}`, spec.name);
  const chosen = new Set<number>();
  let wildcard = false;
  const items = text.split(',');
  for (const item of items) {
    if (item === '') {
      throw fail(
        items.length > 1
          ? 'a list item is empty: remove the extra comma (write e.g. 1,2,3).'
          : 'the field is empty.',
      );
    }
    const slashes = item.split('/');
    if (slashes.length > 2) {
      throw fail(`'${item}' has more than one '/': write one step, e.g. '*/15' or '0-30/5'.`);
    }
    const [rangeText = '', stepText] = slashes;
    let start: number;
    let end: number;
    const isSingle = !rangeText.includes('-');
    if (rangeText === '*' || rangeText === '?') {
      start = spec.min;
      end = spec.max;
      wildcard = true;
    } else {
      if (rangeText.startsWith('-')) {
        throw fail(
          `'${item}' starts with '-': values cannot be negative; ` +
            `the ${spec.name} field takes ${rangeOf(spec)}.`,
        );
      }
      const bounds = rangeText.split('-');
      if (bounds.length > 2) {
        throw fail(`'${item}' has more than one '-': a range is written 'a-b', e.g. '1-5'.`);
      }
      const [lowText = '', highText] = bounds;
      if (lowText === '' || highText === '') {
        throw fail(`'${item}' is missing a value: write a value, or a range like '1-5'.`);
      }
      start = parseValue(lowText, spec, fail);
      end = highText === undefined ? start : parseValue(highText, spec, fail);
      if (start > end) {
        throw fail(
          `the range '${rangeText}' runs backwards: write the smaller value first ` +
            `('${highText}-${lowText}'), or split a wrap-around range in two (e.g. '22-23,0-2').`,
        );
      }
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        throw fail(
          `the step '/${stepText}' in '${item}' must be a whole number of at least 1, ` +
            `e.g. '*/15' or '0-30/5'.`,
        );
      }
      step = Number(stepText);
      // robfig: "N/step" means "N-max/step".
      if (isSingle && rangeText !== '*' && rangeText !== '?') end = spec.max;
    }
    for (let v = start; v <= end; v += step) chosen.add(v);
  }
  return { values: [...chosen].sort((a, b) => a - b), wildcard };
}

function rangeOf(spec: FieldSpec): string {
  const numbers = `${spec.min}-${spec.max}`;
  if (spec.name === 'day-of-week') return `${numbers} (0 = Sunday) or ${spec.namesHint ?? ''}`;
  return spec.namesHint === undefined ? numbers : `${numbers} or ${spec.namesHint}`;
}

function parseValue(text: string, spec: FieldSpec, fail: (why: string) => CronError): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      const sunday =
        spec.name === 'day-of-week' && value === 7
          ? " KFP's cron does not accept 7 for Sunday: write 0 or SUN."
          : '';
      throw fail(
        `${value} is out of range: the ${spec.name} field takes ${rangeOf(spec)}.${sunday}`,
      );
    }
    return value;
  }
  const lower = text.toLowerCase();
  const index = spec.names?.indexOf(lower) ?? -1;
  if (index >= 0) return spec.name === 'month' ? index + 1 : index;

  const fullMonth = FULL_MONTH_NAMES.indexOf(lower);
  const fullDay = FULL_DAY_NAMES.indexOf(lower);
  const shortOf = (i: number, names: readonly string[]) => (names[i] ?? '').toUpperCase();
  if (/^[\dlw#]*[lw#][\dlw#]*$/i.test(text)) {
    throw fail(
      `'${text}' uses Quartz's L/W/# syntax, which KFP's cron (robfig/cron) does not support: ` +
        `list the days instead (e.g. '28-31' with a check in the pipeline).`,
    );
  }
  if (spec.name === 'month' && fullMonth >= 0) {
    throw fail(`write month names with 3 letters: '${shortOf(fullMonth, MONTH_NAMES)}'.`);
  }
  if (spec.name === 'day-of-week' && fullDay >= 0) {
    throw fail(`write day names with 3 letters: '${shortOf(fullDay, DAY_NAMES)}'.`);
  }
  if (MONTH_NAMES.includes(lower) || DAY_NAMES.includes(lower) || fullMonth >= 0 || fullDay >= 0) {
    throw fail(
      `'${text}' is a name, but names are only allowed in the month (JAN-DEC) and ` +
        `day-of-week (SUN-SAT) fields; the ${spec.name} field takes ${rangeOf(spec)}.`,
    );
  }
  if (spec.names !== undefined) {
    throw fail(
      `'${text}' is not a number or a ${spec.name === 'month' ? 'month' : 'day'} name: ` +
        `the ${spec.name} field takes ${rangeOf(spec)}.`,
    );
  }
  throw fail(`'${text}' is not a number: the ${spec.name} field takes ${rangeOf(spec)}.`);
}

const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * When either day field is a wildcard a day must match both, so the chosen days of the month
 * must exist in some chosen month (the day of week then comes round on some year).
 */
function checkCanFire(fields: CronFields, source: string, bad: MakeError): void {
  if (!fields.dayOfMonthWildcard && !fields.dayOfWeekWildcard) return;
  const possible = fields.months.some((m) =>
    fields.daysOfMonth.some((d) => d <= (MAX_DAYS_IN_MONTH[m - 1] ?? 31)),
  );
  if (!possible) {
    const months = fields.months.map((m) => (MONTH_NAMES[m - 1] ?? '').toUpperCase()).join(',');
    throw bad(
      `Cron '${source}' can never fire: day ${fields.daysOfMonth.join(',')} does not occur in ` +
        `${months}. Check the day-of-month and month fields.`,
      'day-of-month',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Matching on a naive calendar ("wall" seconds: the local date and time of a zone, counted as if
// it were UTC). Time zones are applied by timezone.ts.

interface Lookup {
  readonly second: Uint8Array;
  readonly minute: Uint8Array;
  readonly hour: Uint8Array;
  readonly dom: Uint8Array;
  readonly month: Uint8Array;
  readonly dow: Uint8Array;
}

const lookups = new WeakMap<CronFields, Lookup>();

function lookupOf(fields: CronFields): Lookup {
  let lookup = lookups.get(fields);
  if (lookup === undefined) {
    const table = (values: readonly number[]) => {
      const t = new Uint8Array(64);
      for (const v of values) t[v] = 1;
      return t;
    };
    lookup = {
      second: table(fields.seconds),
      minute: table(fields.minutes),
      hour: table(fields.hours),
      dom: table(fields.daysOfMonth),
      month: table(fields.months),
      dow: table(fields.daysOfWeek),
    };
    lookups.set(fields, lookup);
  }
  return lookup;
}

function dayMatches(fields: CronFields, lookup: Lookup, dayOfMonth: number, weekday: number) {
  const domMatch = lookup.dom[dayOfMonth] === 1;
  const dowMatch = lookup.dow[weekday] === 1;
  return fields.dayOfMonthWildcard || fields.dayOfWeekWildcard
    ? domMatch && dowMatch
    : domMatch || dowMatch;
}

/** Whether a wall time (naive seconds) matches the fields. */
export function cronFieldsMatch(fields: CronFields, wallSeconds: number): boolean {
  const lookup = lookupOf(fields);
  const d = new Date(wallSeconds * 1000);
  return (
    lookup.second[d.getUTCSeconds()] === 1 &&
    lookup.minute[d.getUTCMinutes()] === 1 &&
    lookup.hour[d.getUTCHours()] === 1 &&
    lookup.month[d.getUTCMonth() + 1] === 1 &&
    dayMatches(fields, lookup, d.getUTCDate(), d.getUTCDay())
  );
}

function naive(year: number, month: number, day: number, hour = 0, minute = 0, second = 0) {
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

function firstAtLeast(values: readonly number[], at: number): number | undefined {
  for (const v of values) if (v >= at) return v;
  return undefined;
}

/**
 * The first wall time (naive seconds) at or after `from` and at or before `until` that matches
 * the fields, or undefined.
 */
export function nextWallMatch(fields: CronFields, from: number, until: number): number | undefined {
  const lookup = lookupOf(fields);
  let t = Math.ceil(from);
  while (t <= until) {
    const d = new Date(t * 1000);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    const minute = d.getUTCMinutes();
    if (lookup.month[month] !== 1) {
      const m = firstAtLeast(fields.months, month + 1);
      t = m === undefined ? naive(year + 1, fields.months[0] ?? 1, 1) : naive(year, m, 1);
      continue;
    }
    if (!dayMatches(fields, lookup, day, d.getUTCDay())) {
      t = naive(year, month, day + 1);
      continue;
    }
    if (lookup.hour[hour] !== 1) {
      const h = firstAtLeast(fields.hours, hour + 1);
      t = h === undefined ? naive(year, month, day + 1) : naive(year, month, day, h);
      continue;
    }
    if (lookup.minute[minute] !== 1) {
      const m = firstAtLeast(fields.minutes, minute + 1);
      t = m === undefined ? naive(year, month, day, hour + 1) : naive(year, month, day, hour, m);
      continue;
    }
    const second = d.getUTCSeconds();
    if (lookup.second[second] !== 1) {
      const s = firstAtLeast(fields.seconds, second + 1);
      t =
        s === undefined
          ? naive(year, month, day, hour, minute + 1)
          : naive(year, month, day, hour, minute, s);
      continue;
    }
    return t;
  }
  return undefined;
}
