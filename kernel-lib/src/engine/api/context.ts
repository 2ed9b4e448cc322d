/**
 * What the API handlers share: the store, the run manager, the clock and the data directory.
 */
import type { RunManager } from '../runs/manager';
import type { Store } from '../store';

export interface EngineContext {
  readonly store: Store;
  readonly runs: RunManager;
  readonly now: () => Date;
  /** The engine's data directory (database, runs, artifacts). */
  readonly dataDir: string;
  /** Pipelab's version, reported by healthz. */
  readonly version: string;
  /** Reports problems that cannot be answered to a client. */
  readonly log: (message: string) => void;
}
