/** What a deploy did, whatever the target: the step's outputs are made from it. */
import type { GateRecord } from './gate';

export interface DeployOutcome {
  /** The new version's number (the output parameter `version`). */
  readonly version: number;
  /** Whether the new version is the default (served) now. */
  readonly promoted: boolean;
  /** The default version after the deploy. */
  readonly defaultVersion: number | undefined;
  readonly gate: GateRecord;
  /** Where it went: the version directory, or `namespace/deployment`. */
  readonly location: string;
}
