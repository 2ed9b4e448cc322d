import { describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../../../kernel-lib/src/engine/schedule';

describe('FakeClock', () => {
  it('fires due timers in time order, ties in the order set, with now() at each timer', () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const seen: string[] = [];
    const at = (iso: string, name: string) =>
      clock.setTimer(new Date(iso), () =>
        seen.push(`${name}@${clock.now().toISOString().slice(11, 19)}`),
      );
    at('2026-01-01T03:00:00Z', 'c');
    at('2026-01-01T01:00:00Z', 'a');
    at('2026-01-01T01:00:00Z', 'b');
    const cancelled = at('2026-01-01T02:00:00Z', 'x');
    at('2026-01-02T00:00:00Z', 'later');
    cancelled.cancel();
    expect(clock.pendingTimers).toBe(4);
    expect(clock.nextTimerAt()).toEqual(new Date('2026-01-01T01:00:00Z'));
    expect(clock.advance(4 * 3_600_000)).toBe(3);
    expect(seen).toEqual(['a@01:00:00', 'b@01:00:00', 'c@03:00:00']);
    expect(clock.now()).toEqual(new Date('2026-01-01T04:00:00Z'));
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers set by a firing timer when they fall within the advance', () => {
    const clock = new FakeClock(0);
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimer(new Date(clock.now().getTime() + 1000), tick);
    };
    clock.setTimer(new Date(1000), tick);
    clock.advance(10_000);
    expect(ticks).toBe(10);
    clock.advanceTo(new Date(5000)); // never backwards
    expect(clock.now().getTime()).toBe(10_000);
  });

  it('fires a timer set in the past on the next advance', () => {
    const clock = new FakeClock(10_000);
    let fired = false;
    clock.setTimer(new Date(0), () => (fired = true));
    expect(clock.advance(0)).toBe(1);
    expect(fired).toBe(true);
  });

  it('sleep resolves on advance; an abort rejects it and cancels its timer', async () => {
    const clock = new FakeClock(0);
    const done = clock.sleep(5000).then(() => clock.now().getTime());
    await clock.advanceAsync(5000);
    await expect(done).resolves.toBe(5000);

    const controller = new AbortController();
    const aborted = clock.sleep(5000, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
    expect(clock.pendingTimers).toBe(0);

    await expect(clock.sleep(1, AbortSignal.abort())).rejects.toThrow();
  });

  it('advanceAsync lets an async loop run a day of hourly ticks in milliseconds', async () => {
    const clock = new FakeClock(new Date('2026-03-08T00:00:00Z'));
    const ticks: Date[] = [];
    const loop = async () => {
      for (;;) {
        await Promise.resolve(); // some async store work
        ticks.push(clock.now());
        await clock.sleep(3_600_000);
      }
    };
    void loop();
    await clock.advanceAsync(24 * 3_600_000);
    expect(ticks).toHaveLength(25);
    expect(ticks.at(-1)).toEqual(new Date('2026-03-09T00:00:00Z'));
  });
});

describe('SystemClock', () => {
  it('fires a timer at its time, and not after cancel', async () => {
    const clock = new SystemClock({ unref: true });
    const start = Date.now();
    const fired = await new Promise<number>((resolve) => {
      clock.setTimer(new Date(start + 20), () => resolve(Date.now()));
    });
    expect(fired - start).toBeGreaterThanOrEqual(15);
    let cancelledFired = false;
    clock.setTimer(new Date(Date.now() + 5), () => (cancelledFired = true)).cancel();
    await clock.sleep(30);
    expect(cancelledFired).toBe(false);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
  });

  it('sleep rejects when aborted', async () => {
    const controller = new AbortController();
    const sleeping = new SystemClock().sleep(10_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toThrow();
  });
});
