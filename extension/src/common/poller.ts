/**
 * A refresh loop: calls `tick` every `interval()` ms while started, not while the page is hidden,
 * never twice at once, and stops for good when disposed.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private disposed = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly interval: () => number,
  ) {}

  /** Ticks now, then on every interval. */
  start(): void {
    if (this.disposed) return;
    this.stopTimer();
    void this.run();
  }

  /** Ticks now (after a running tick ends) and restarts the interval. */
  refresh(): Promise<void> {
    this.stopTimer();
    return this.run();
  }

  stop(): void {
    this.stopTimer();
  }

  dispose(): void {
    this.disposed = true;
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    if (this.disposed || this.running) return;
    this.running = true;
    try {
      if (typeof document === 'undefined' || !document.hidden) await this.tick();
    } catch {
      // The tick shows its own errors.
    } finally {
      this.running = false;
      if (!this.disposed) {
        this.stopTimer();
        this.timer = setTimeout(() => void this.run(), this.interval());
      }
    }
  }
}
