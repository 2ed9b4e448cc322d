import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import { ICommandPalette, IThemeManager, WidgetTracker } from '@jupyterlab/apputils';
import type { PipelabConnection } from '../api/connection';
import { RunDetailsWidget } from '../panel/widgets';
import { CommandIDs, IPipelabConnection, IRunDetailsOpener, PACKAGE } from '../tokens';

/** Run details in the main area, restored across reloads. */
export const runDetailsPlugin: JupyterFrontEndPlugin<IRunDetailsOpener> = {
  id: `${PACKAGE}:run-details`,
  description: 'Opens the details of a run (graph, logs, metrics, plots) in the main area.',
  autoStart: true,
  requires: [IPipelabConnection],
  optional: [ILayoutRestorer, ICommandPalette, IThemeManager],
  provides: IRunDetailsOpener,
  activate: (
    app: JupyterFrontEnd,
    connection: PipelabConnection,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    themes: IThemeManager | null,
  ): IRunDetailsOpener => {
    const tracker = new WidgetTracker<RunDetailsWidget>({ namespace: 'pipelab-run-details' });
    const open = (runId: string): void => {
      const existing = tracker.find((w) => w.runId === runId);
      if (existing !== undefined) {
        app.shell.activateById(existing.id);
        return;
      }
      const widget = new RunDetailsWidget(connection, runId, open, themes?.themeChanged);
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    app.commands.addCommand(CommandIDs.openRun, {
      label: (args) =>
        args.runId ? `Open Run ${String(args.runId).slice(0, 8)}` : 'Open Run Details…',
      caption: 'Open the details of a pipeline run',
      execute: (args) => {
        let runId = typeof args.runId === 'string' ? args.runId : undefined;
        if (runId === undefined) runId = window.prompt('Run id')?.trim() || undefined;
        if (runId !== undefined) open(runId);
      },
    });
    palette?.addItem({ command: CommandIDs.openRun, category: 'Pipelab' });
    if (restorer !== null) {
      void restorer.restore(tracker, {
        command: CommandIDs.openRun,
        args: (w) => ({ runId: w.runId }),
        name: (w) => w.runId,
      });
    }
    return { open };
  },
};
