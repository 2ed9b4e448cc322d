import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IThemeManager } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { PipelabConnection } from '../api/connection';
import { plotlyRendererFactory, runLinkRendererFactory } from '../renderers/mime';
import { IPipelabConnection, IRunDetailsOpener, PACKAGE } from '../tokens';

/** The run-link and plotly MIME renderers. */
export const renderersPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:renderers`,
  description: 'Renders run bundles as live run links, and plotly figures.',
  autoStart: true,
  requires: [IRenderMimeRegistry, IPipelabConnection, IRunDetailsOpener],
  optional: [IThemeManager],
  activate: (
    _app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    connection: PipelabConnection,
    opener: IRunDetailsOpener,
    themes: IThemeManager | null,
  ): void => {
    rendermime.addFactory(
      runLinkRendererFactory(connection, (runId) => opener.open(runId)),
      // Below text/html's 50: a run bundle also carries an HTML card for other front ends.
      40,
    );
    const plotly = plotlyRendererFactory(themes?.themeChanged);
    if (rendermime.getFactory(plotly.mimeTypes[0] as string) === undefined) {
      rendermime.addFactory(plotly, 60);
    }
  },
};
