/**
 * What an individual report in the embedded warehouse looks like beyond its date: the offence
 * (primary type) with its arrest and domestic rates, the police district and the hour. The shares are approximate city-wide figures for Chicago over 2001-2020, rounded;
 * they make the table look and aggregate like the real one, they are not data from it.
 */

/** An offence category: its share of reports and the share of those with an arrest / domestic. */
export interface OffenceShare {
  name: string;
  /** Relative weight among all reports. */
  weight: number;
  /** Share of these reports with an arrest (0-1). */
  arrest: number;
  /** Share of these reports flagged domestic (0-1). */
  domestic: number;
}

export const OFFENCES: readonly OffenceShare[] = [
  { name: 'THEFT', weight: 215, arrest: 0.11, domestic: 0.02 },
  { name: 'BATTERY', weight: 185, arrest: 0.22, domestic: 0.42 },
  { name: 'CRIMINAL DAMAGE', weight: 110, arrest: 0.06, domestic: 0.12 },
  { name: 'NARCOTICS', weight: 90, arrest: 0.995, domestic: 0 },
  { name: 'OTHER OFFENSE', weight: 72, arrest: 0.17, domestic: 0.35 },
  { name: 'ASSAULT', weight: 65, arrest: 0.2, domestic: 0.22 },
  { name: 'BURGLARY', weight: 55, arrest: 0.05, domestic: 0.02 },
  { name: 'MOTOR VEHICLE THEFT', weight: 46, arrest: 0.08, domestic: 0.005 },
  { name: 'DECEPTIVE PRACTICE', weight: 40, arrest: 0.15, domestic: 0.01 },
  { name: 'ROBBERY', weight: 38, arrest: 0.09, domestic: 0.01 },
  { name: 'CRIMINAL TRESPASS', weight: 28, arrest: 0.7, domestic: 0.05 },
  { name: 'WEAPONS VIOLATION', weight: 12, arrest: 0.8, domestic: 0.005 },
  { name: 'PROSTITUTION', weight: 9, arrest: 0.99, domestic: 0 },
  { name: 'OFFENSE INVOLVING CHILDREN', weight: 7, arrest: 0.2, domestic: 0.4 },
  { name: 'PUBLIC PEACE VIOLATION', weight: 7, arrest: 0.6, domestic: 0.02 },
  { name: 'SEX OFFENSE', weight: 4, arrest: 0.25, domestic: 0.15 },
  { name: 'CRIM SEXUAL ASSAULT', weight: 4, arrest: 0.15, domestic: 0.15 },
  { name: 'INTERFERENCE WITH PUBLIC OFFICER', weight: 3, arrest: 0.95, domestic: 0 },
  { name: 'GAMBLING', weight: 2, arrest: 0.995, domestic: 0 },
  { name: 'LIQUOR LAW VIOLATION', weight: 2, arrest: 0.99, domestic: 0 },
  { name: 'ARSON', weight: 2, arrest: 0.08, domestic: 0.02 },
  { name: 'HOMICIDE', weight: 1, arrest: 0.5, domestic: 0.06 },
  { name: 'KIDNAPPING', weight: 1, arrest: 0.15, domestic: 0.3 },
  { name: 'STALKING', weight: 1, arrest: 0.1, domestic: 0.4 },
  { name: 'INTIMIDATION', weight: 1, arrest: 0.15, domestic: 0.1 },
];

/**
 * Chicago's 22 police districts with their approximate share of reports (percent).
 */
export const DISTRICTS: readonly (readonly [number, number])[] = [
  [1, 4.5],
  [2, 4.7],
  [3, 5.0],
  [4, 5.7],
  [5, 4.4],
  [6, 5.9],
  [7, 5.8],
  [8, 6.7],
  [9, 4.9],
  [10, 4.3],
  [11, 6.4],
  [12, 5.0],
  [14, 3.9],
  [15, 3.8],
  [16, 3.3],
  [17, 2.9],
  [18, 4.5],
  [19, 4.5],
  [20, 1.8],
  [22, 3.3],
  [24, 3.0],
  [25, 5.7],
];

/** Relative number of reports by hour of the day (midnight first): a 5 am low, an evening high. */
export const HOUR_WEIGHTS: readonly number[] = [
  55, 35, 30, 25, 20, 15, 18, 25, 35, 42, 44, 45, 60, 47, 48, 52, 50, 52, 55, 56, 54, 52, 50, 40,
];

/**
 * Spreads weights over `buckets` slots (largest remainder), so a uniform slot number picks an
 * item with probability proportional to its weight. Returns the item index of every slot.
 */
export function weightedSlots(weights: readonly number[], buckets = 1000): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / total) * buckets);
  const counts = exact.map(Math.floor);
  let missing = buckets - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (missing <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    missing--;
  }
  const slots: number[] = [];
  counts.forEach((n, i) => {
    for (let k = 0; k < n; k++) slots.push(i);
  });
  return slots;
}
