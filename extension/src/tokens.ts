/**
 * Tokens, command ids and other names the plugins share.
 */
import { Token } from '@lumino/coreutils';
import type { PipelabConnection } from './api/connection';
import type { PipelinesPanel } from './panel/widgets';

/** The package name, also the prefix of every plugin id. */
export const PACKAGE = 'pipelab-jupyterlab';

/** The id of the plugin whose settings hold the endpoint, token and refresh interval. */
export const SETTINGS_PLUGIN_ID = `${PACKAGE}:plugin`;

/** The MIME type of the run bundles the notebooks output (see kernel-lib/src/display/mime.ts). */
export const RUN_MIME_TYPE = 'application/vnd.pipelab.run+json';

/** Plotly's MIME type. */
export const PLOTLY_MIME_TYPE = 'application/vnd.plotly.v1+json';

/** The shared connection to the pipelines API (the embedded engine or KFP). */
export const IPipelabConnection = new Token<PipelabConnection>(
  `${PACKAGE}:IPipelabConnection`,
  'The connection to the pipelines API, configured from the settings.',
);

/** Opens run details in the main area. */
export interface IRunDetailsOpener {
  open(runId: string): void;
}

export const IRunDetailsOpener = new Token<IRunDetailsOpener>(
  `${PACKAGE}:IRunDetailsOpener`,
  'Opens the details of a run in the main area.',
);

/** The Pipelines panel, for the notebook and file-browser integrations. */
export const IPipelinesPanel = new Token<PipelinesPanel>(
  `${PACKAGE}:IPipelinesPanel`,
  'The Pipelines sidebar panel.',
);

/** The commands of the extension. */
export const CommandIDs = {
  openPanel: 'pipelab:open-panel',
  refresh: 'pipelab:refresh',
  openRun: 'pipelab:open-run',
  uploadPipeline: 'pipelab:upload-pipeline',
  uploadFile: 'pipelab:upload-file',
  runFile: 'pipelab:run-file',
  newRecurringRun: 'pipelab:new-recurring-run',
  showNotebookRuns: 'pipelab:show-notebook-runs',
  configure: 'pipelab:configure',
} as const;
