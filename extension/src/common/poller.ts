/**
 * A refresh loop: calls `tick` every `interval()` ms while started, not while the page is hidden,
 * never twice at once, and stops for good when disposed.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The tick going on, if any. */
  private current: Promise<void> | undefined;
  /** The tick a refresh asked for while another was going on: it follows that one. */
  private queued: Promise<void> | undefined;
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

  /**
   * Ticks now and restarts the interval. When a tick is going on, its answers may predate what
   * the caller just changed, so another tick follows it (one, however many refreshes ask).
   */
  refresh(): Promise<void> {
    this.stopTimer();
    if (this.current === undefined) return this.run();
    this.queued ??= this.current.then(() => {
      this.queued = undefined;
      this.stopTimer();
      return this.run();
    });
    return this.queued;
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

  private run(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.current ??= this.once().finally(() => {
      this.current = undefined;
      if (!this.disposed) {
        this.stopTimer();
        this.timer = setTimeout(() => void this.run(), this.interval());
      }
    });
    return this.current;
  }

  private async once(): Promise<void> {
    try {
      if (typeof document === 'undefined' || !document.hidden) await this.tick();
    } catch {
      // The tick shows its own errors.
    }
  }
}
