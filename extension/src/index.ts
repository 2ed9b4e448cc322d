/**
 * Pipelab for JupyterLab: an array of small plugins.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { connectionPlugin } from './plugins/connection';
import { fileBrowserPlugin } from './plugins/file-browser';
import { notebookPlugin } from './plugins/notebook';
import { panelPlugin } from './plugins/panel';
import { renderersPlugin } from './plugins/renderers';
import { runDetailsPlugin } from './plugins/run-details';

export * from './tokens';
export { PipelabConnection, type PipelabSettings } from './api/connection';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  connectionPlugin,
  runDetailsPlugin,
  panelPlugin,
  renderersPlugin,
  notebookPlugin,
  fileBrowserPlugin,
];

export default plugins;
