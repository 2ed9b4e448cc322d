/**
 * Calendar arithmetic on `YYYY-MM-DD` days (UTC, no time zones) and the US holidays the default
 * preset uses as features.
 */

const MS_PER_DAY = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` day, or `undefined` when it is not a real date. */
export function dayNumber(day: string): number | undefined {
  const match = DAY_PATTERN.exec(day);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, date);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1) return undefined;
  if (back.getUTCDate() !== date) return undefined;
  return ms / MS_PER_DAY;
}

/** The `YYYY-MM-DD` day of a day number. */
export function dayString(num: number): string {
  return new Date(num * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The day `offset` days after `day`. */
export function addDays(day: string, offset: number): string {
  const num = dayNumber(day);
  if (num === undefined) throw new RangeError(`not a YYYY-MM-DD day: '${day}'`);
  return dayString(num + offset);
}

/** Parts of a day number: weekday 0 = Monday … 6 = Sunday, month 1–12, day of month, day of year. */
export interface DayParts {
  readonly year: number;
  readonly month: number;
  readonly date: number;
  readonly weekday: number;
  readonly dayOfYear: number;
}

export function dayParts(num: number): DayParts {
  // The proleptic Gregorian calendar in integer arithmetic (no Date: the model server encodes
  // some fifteen days per prediction). Days are counted in 400-year eras of 146,097 days, from
  // 0000-03-01 so that the leap day ends each year.
  const shifted = num + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfMarchYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfMarchYear + 2) / 153);
  const date = dayOfMarchYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return {
    year,
    month,
    date,
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    weekday: (((num + 3) % 7) + 7) % 7,
    dayOfYear: (DAYS_BEFORE_MONTH[month - 1] as number) + date + (leap && month > 2 ? 1 : 0),
  };
}

/** Days of a common year before each month. */
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

export const HOLIDAYS = [
  'new_years_day',
  'martin_luther_king_day',
  'presidents_day',
  'memorial_day',
  'juneteenth',
  'independence_day',
  'labor_day',
  'columbus_day',
  'halloween',
  'veterans_day',
  'thanksgiving',
  'day_after_thanksgiving',
  'christmas_eve',
  'christmas',
  'new_years_eve',
] as const;

export type Holiday = (typeof HOLIDAYS)[number];

/** Day number of the n-th (1-based) `weekday` of a month; n = -1 for the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = Date.UTC(year, month - 1, 1) / MS_PER_DAY;
    const shift = (weekday - dayParts(first).weekday + 7) % 7;
    return first + shift + 7 * (n - 1);
  }
  const last = Date.UTC(year, month, 0) / MS_PER_DAY;
  return last - ((dayParts(last).weekday - weekday + 7) % 7);
}

const holidayCache = new Map<number, ReadonlyMap<number, Holiday>>();

/** The holidays of one year, by day number. */
function holidaysOf(year: number): ReadonlyMap<number, Holiday> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const on = (month: number, date: number): number => Date.UTC(year, month - 1, date) / MS_PER_DAY;
  const thanksgiving = nthWeekday(year, 11, 3, 4);
  const entries: [number, Holiday][] = [
    [on(1, 1), 'new_years_day'],
    [nthWeekday(year, 2, 0, 3), 'presidents_day'],
    [nthWeekday(year, 5, 0, -1), 'memorial_day'],
    [on(7, 4), 'independence_day'],
    [nthWeekday(year, 9, 0, 1), 'labor_day'],
    [nthWeekday(year, 10, 0, 2), 'columbus_day'],
    [on(10, 31), 'halloween'],
    [on(11, 11), 'veterans_day'],
    [thanksgiving, 'thanksgiving'],
    [thanksgiving + 1, 'day_after_thanksgiving'],
    [on(12, 24), 'christmas_eve'],
    [on(12, 25), 'christmas'],
    [on(12, 31), 'new_years_eve'],
  ];
  // Federal holidays since 1986 and 2021.
  if (year >= 1986) entries.push([nthWeekday(year, 1, 0, 3), 'martin_luther_king_day']);
  if (year >= 2021) entries.push([on(6, 19), 'juneteenth']);
  const map = new Map(entries);
  holidayCache.set(year, map);
  return map;
}

/** The holiday falling on a day number, if any. */
export function holidayOn(num: number): Holiday | undefined {
  return holidaysOf(dayParts(num).year).get(num);
}
