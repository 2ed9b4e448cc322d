/**
 * What the API handlers share: the store, the run manager, the scheduler, the clock and the data
 * directory.
 */
import type { RunManager } from '../runs/manager';
import type { Scheduler } from '../runs/scheduler';
import type { Store } from '../store';
import type { PageTokens } from './list-options';

export interface EngineContext {
  readonly store: Store;
  readonly runs: RunManager;
  /** Plans recurring runs: told about every change to one. */
  readonly scheduler: Scheduler;
  readonly now: () => Date;
  /** The engine's data directory (database, runs, artifacts). */
  readonly dataDir: string;
  /** Its real path (links resolved): files the API serves must lie below it. */
  readonly realDataDir: string;
  /** Pipelab's version, reported by healthz. */
  readonly version: string;
  /** Signs and checks the page tokens of list operations. */
  readonly pageTokens: PageTokens;
  /** Reports problems that cannot be answered to a client. */
  readonly log: (message: string) => void;
}
