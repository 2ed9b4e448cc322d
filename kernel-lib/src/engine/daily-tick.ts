/**
 * The engine's daily hook (`onDailyTick`): called once a day at 00:05 in a time zone, on the
 * engine's clock, for work that follows the calendar — `npm start` passes one that appends the
 * day that just ended to the embedded warehouse. A call still running when the next one is due
 * makes that one skip; failures are logged, never thrown.
 */
import type { DailyTick } from './options';
import type { Clock, TimerHandle } from './schedule/clock';
import { parseCron } from './schedule/cron';
import { nextCronTime, wallTimeIn } from './schedule/timezone';

/** Five past midnight: after the day has ended everywhere the zone's clocks agree on. */
const AT = parseCron('0 5 0 * * *');

/** Options of {@link DailyTicker}. */
export interface DailyTickerOptions {
  readonly clock: Clock;
  readonly timeZone: string;
  readonly onTick: (tick: DailyTick) => unknown;
  readonly log: (message: string) => void;
}

function isoDay(at: Date, timeZone: string): string {
  const wall = wallTimeIn(at, timeZone);
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${p(wall.year, 4)}-${p(wall.month)}-${p(wall.day)}`;
}

export class DailyTicker {
  private timer: TimerHandle | undefined;
  private busy = false;
  private stopped = true;

  constructor(private readonly options: DailyTickerOptions) {}

  /** When the hook is due next. */
  next(): Date | undefined {
    return nextCronTime(AT, this.options.clock.now(), this.options.timeZone);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    const at = this.next();
    if (at === undefined) return;
    this.timer = this.options.clock.setTimer(at, () => {
      this.timer = undefined;
      this.fire(at);
      this.arm();
    });
  }

  private fire(at: Date): void {
    const { log } = this.options;
    if (this.busy) {
      log(`the daily hook of ${at.toISOString()} was skipped: the previous one is still running.`);
      return;
    }
    this.busy = true;
    const done = (error?: unknown): void => {
      this.busy = false;
      if (error !== undefined) {
        log(`the daily hook failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    try {
      const result = this.options.onTick({ at, day: isoDay(at, this.options.timeZone) });
      if (result instanceof Promise) result.then(() => done(), done);
      else done();
    } catch (error) {
      done(error);
    }
  }
}
