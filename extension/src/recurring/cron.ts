/**
 * KFP's cron format (robfig/cron with seconds): six fields — second, minute, hour, day of month,
 * month, day of week — or a descriptor (`@daily`, `@every 1h30m`...). Checked as the user types,
 * and used to preview the next fire times when the server cannot. The engine's own scheduler is
 * the authority: its answer is shown when it differs.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

/** A parsed schedule. */
export type CronSchedule =
  | { kind: 'fields'; sets: Set<number>[]; domStar: boolean; dowStar: boolean }
  | { kind: 'every'; seconds: number };

/** The outcome of a check: the schedule, or the problem in words. */
export type CronCheck = { ok: true; schedule: CronSchedule } | { ok: false; message: string };

function parseNumber(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(text)) {
    throw new Error(
      `'${text}' is not a number${spec.names ? ' or a name' : ''} in the ${spec.name} field`,
    );
  }
  const value = Number(text);
  // Most crons take 7 for Sunday; KFP's (robfig/cron) does not, and neither does the engine.
  if (spec.name === 'day of week' && value === 7) {
    throw new Error(
      `KFP's cron does not take 7 for Sunday in the day of week field: write 0 or SUN`,
    );
  }
  if (value < spec.min || value > spec.max) {
    throw new Error(
      `${value} is out of range for the ${spec.name} field (${spec.min}–${spec.max})`,
    );
  }
  return value;
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new Error(`an empty list item in the ${spec.name} field`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`'${part}' has two steps in the ${spec.name} field`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new Error(
          `the step '${stepText}' of the ${spec.name} field must be a positive number`,
        );
      }
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = spec.min;
      high = spec.max;
    } else if (range !== undefined && range.includes('-')) {
      const [a, b] = range.split('-');
      low = parseNumber(a ?? '', spec);
      high = parseNumber(b ?? '', spec);
      if (high < low) throw new Error(`the range ${range} of the ${spec.name} field is backwards`);
    } else {
      low = parseNumber(range ?? '', spec);
      high = stepText !== undefined ? spec.max : low;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

const GO_DURATION = /^(\d+(\.\d+)?(h|m|s|ms))+$/;

function parseGoDuration(text: string): number {
  if (!GO_DURATION.test(text)) {
    throw new Error(`'${text}' is not a duration like 1h30m, 15m or 90s`);
  }
  let seconds = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    seconds += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
  }
  if (seconds < 1) throw new Error('@every needs at least one second');
  return seconds;
}

/** Checks a KFP cron expression. */
export function checkCron(expression: string): CronCheck {
  const text = expression.trim();
  if (text === '')
    return { ok: false, message: 'Enter a cron expression, e.g. 0 0 2 * * * (daily at 02:00).' };
  try {
    if (text.startsWith('@every ')) {
      return {
        ok: true,
        schedule: { kind: 'every', seconds: parseGoDuration(text.slice(7).trim()) },
      };
    }
    const expanded = text.startsWith('@') ? DESCRIPTORS[text.toLowerCase()] : text;
    if (expanded === undefined) {
      throw new Error(
        `unknown descriptor ${text}; use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>`,
      );
    }
    const parts = expanded.split(/\s+/);
    if (parts.length !== 6) {
      throw new Error(
        `KFP cron has 6 fields (second minute hour day-of-month month day-of-week); got ${parts.length}` +
          (parts.length === 5 ? ' — add the seconds first, e.g. 0 ' + expanded : ''),
      );
    }
    const sets = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec));
    return {
      ok: true,
      schedule: {
        kind: 'fields',
        sets,
        domStar: parts[3] === '*' || parts[3] === '?',
        dowStar: parts[5] === '*' || parts[5] === '?',
      },
    };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Wall-clock fields of an instant in a time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the browser knows the IANA time zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallClock(date: Date, timeZone: string): number[] {
  const parts = formatter(timeZone).formatToParts(date);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return [
    Number(get('second')),
    Number(get('minute')),
    Number(get('hour')),
    Number(get('day')),
    Number(get('month')),
    weekday,
  ];
}

function dayMatches(schedule: Extract<CronSchedule, { kind: 'fields' }>, wall: number[]): boolean {
  const dom = schedule.sets[3]?.has(wall[3] ?? -1) ?? false;
  const dow = schedule.sets[5]?.has(wall[5] ?? -1) ?? false;
  if (schedule.domStar || schedule.dowStar) return dom && dow;
  return dom || dow;
}

/**
 * The next `count` fire times after `from`, in `timeZone` (IANA name), looking at most `horizonDays`
 * ahead. Minutes are stepped in the zone's wall clock, so daylight-saving changes are followed.
 */
export function nextCronTimes(
  schedule: CronSchedule,
  from: Date,
  count: number,
  timeZone = 'UTC',
  horizonDays = 400,
): Date[] {
  const out: Date[] = [];
  if (schedule.kind === 'every') {
    let t = from.getTime();
    for (let i = 0; i < count; i++) {
      t += schedule.seconds * 1000;
      out.push(new Date(t));
    }
    return out;
  }
  const seconds = [...(schedule.sets[0] ?? [])].sort((a, b) => a - b);
  const end = from.getTime() + horizonDays * 86_400_000;
  // Start at the next whole minute boundary before `from`, then walk minutes.
  let t = Math.floor(from.getTime() / 60_000) * 60_000;
  while (t <= end && out.length < count) {
    const wall = wallClock(new Date(t), timeZone);
    const hourOk = schedule.sets[2]?.has(wall[2] ?? -1) ?? false;
    const dayOk = (schedule.sets[4]?.has(wall[4] ?? -1) ?? false) && dayMatches(schedule, wall);
    if (!dayOk) {
      // Skip to the next wall-clock day (approximately: an hour at a time keeps DST right).
      t += 3_600_000 - (wall[1] ?? 0) * 60_000;
      continue;
    }
    if (!hourOk) {
      t += 3_600_000 - (wall[1] ?? 0) * 60_000;
      continue;
    }
    if (schedule.sets[1]?.has(wall[1] ?? -1)) {
      for (const s of seconds) {
        const candidate = t + s * 1000;
        if (candidate > from.getTime() && out.length < count) out.push(new Date(candidate));
      }
    }
    t += 60_000;
  }
  return out;
}

/** Fire times of a periodic schedule: every `intervalSeconds` from its start. */
export function nextPeriodicTimes(
  intervalSeconds: number,
  from: Date,
  count: number,
  start?: Date,
): Date[] {
  const out: Date[] = [];
  if (!(intervalSeconds > 0)) return out;
  const step = intervalSeconds * 1000;
  const origin = start?.getTime() ?? from.getTime();
  let t =
    origin > from.getTime()
      ? origin
      : origin + Math.ceil((from.getTime() - origin + 1) / step) * step;
  for (let i = 0; i < count; i++, t += step) out.push(new Date(t));
  return out;
}

/** A trigger in words: `every 1 day`, `cron 0 0 2 * * *`. */
export function describeInterval(seconds: number): string {
  const units: [number, string][] = [
    [604_800, 'week'],
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `every ${n === 1 ? '' : `${n} `}${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `every ${seconds} s`;
}
