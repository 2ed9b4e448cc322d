import {
  ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import { Dialog, ICommandPalette, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import type { PipelabRecurringRun } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import { PipelinesPanel, RecurringRunFormWidget } from '../panel/widgets';
import {
  CommandIDs,
  IPipelabConnection,
  IPipelinesPanel,
  IRunDetailsOpener,
  PACKAGE,
} from '../tokens';

/** The sidebar icon: three connected steps. */
export const pipelabIcon = new LabIcon({
  name: `${PACKAGE}:pipelines`,
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><g class="jp-icon3" fill="#616161"><rect x="1" y="2" width="5" height="4" rx="1"/><rect x="10" y="6" width="5" height="4" rx="1"/><rect x="1" y="10" width="5" height="4" rx="1"/><path d="M6 4h2v8H6v-1h1V5H6zM8 7.5h2v1H8z"/></g></svg>',
});

/** A yes/no question in a JupyterLab dialog. */
export async function confirm(message: string): Promise<boolean> {
  const result = await showDialog({
    title: 'Pipelab',
    body: message,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'OK' })],
  });
  return result.button.accept;
}

/** The Pipelines panel in the left sidebar, and the recurring-run form. */
export const panelPlugin: JupyterFrontEndPlugin<PipelinesPanel> = {
  id: `${PACKAGE}:panel`,
  description: 'The Pipelines panel: pipelines, experiments, runs and recurring runs.',
  autoStart: true,
  requires: [IPipelabConnection, IRunDetailsOpener],
  optional: [ILabShell, ILayoutRestorer, ICommandPalette],
  provides: IPipelinesPanel,
  activate: (
    app: JupyterFrontEnd,
    connection: PipelabConnection,
    opener: IRunDetailsOpener,
    _labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
  ): PipelinesPanel => {
    const openForm = (existing?: PipelabRecurringRun): void => {
      // One form per recurring run (and one for a new one): a second click shows the open one.
      const id = `pipelab-recurring-form-${existing?.recurring_run_id ?? 'new'}`;
      const open = Array.from(app.shell.widgets('main')).find((w) => w.id === id);
      if (open !== undefined) {
        app.shell.activateById(id);
        return;
      }
      const content = new RecurringRunFormWidget(
        connection,
        {
          done: (saved) => {
            main.dispose();
            // The server's answer is shown at once; the lists are reloaded behind it.
            void panel.view.recurringRunSaved(saved);
          },
          cancel: () => main.dispose(),
        },
        existing,
      );
      const main = new MainAreaWidget({ content });
      main.id = content.id;
      main.title.label = content.title.label;
      main.title.closable = true;
      app.shell.add(main, 'main');
      app.shell.activateById(main.id);
    };
    const panel = new PipelinesPanel(connection, {
      openRun: (runId) => opener.open(runId),
      editRecurringRun: openForm,
      confirm,
    });
    panel.title.icon = pipelabIcon;
    panel.title.caption = 'Pipelines';
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'pipelab-panel');

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Show Pipelines Panel',
      execute: () => app.shell.activateById(panel.id),
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Pipelines',
      execute: () => panel.view.refresh(),
    });
    app.commands.addCommand(CommandIDs.uploadPipeline, {
      label: 'Upload Pipeline…',
      caption: 'Upload a compiled pipeline (.yaml or .tar.gz)',
      execute: () => {
        app.shell.activateById(panel.id);
        panel.node.querySelector<HTMLInputElement>('input[type=file]')?.click();
      },
    });
    app.commands.addCommand(CommandIDs.newRecurringRun, {
      label: 'New Recurring Run…',
      execute: () => openForm(),
    });
    for (const command of [
      CommandIDs.openPanel,
      CommandIDs.refresh,
      CommandIDs.uploadPipeline,
      CommandIDs.newRecurringRun,
    ]) {
      palette?.addItem({ command, category: 'Pipelab' });
    }
    return panel;
  },
};
