import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ToolbarButton } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { asRunBundle } from '../renderers/run-bundle';
import { CommandIDs, IPipelinesPanel, PACKAGE, RUN_MIME_TYPE } from '../tokens';
import { pipelabIcon } from './panel';

interface OutputsLike {
  length: number;
  get(index: number): { data: Record<string, unknown> };
}

/** The runs and recurring runs of a notebook, from the run bundles in its outputs. */
export function notebookRuns(panel: NotebookPanel): {
  runIds: string[];
  recurringRunIds: string[];
} {
  const runIds = new Set<string>();
  const recurring = new Set<string>();
  const cells = panel.content.model?.cells;
  if (cells !== undefined) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      const outputs = (cell as unknown as { outputs?: OutputsLike }).outputs;
      if (cell.type !== 'code' || outputs === undefined) continue;
      for (let j = 0; j < outputs.length; j++) {
        const data = outputs.get(j).data;
        const bundle = asRunBundle(data[RUN_MIME_TYPE]);
        if (bundle !== undefined) runIds.add(bundle.run_id);
        if (bundle?.recurring_run_id !== undefined) recurring.add(bundle.recurring_run_id);
        const rr = data['application/vnd.pipelab.recurring-run+json'] as
          { recurring_run_id?: unknown } | undefined;
        if (typeof rr?.recurring_run_id === 'string') recurring.add(rr.recurring_run_id);
      }
    }
  }
  return { runIds: [...runIds], recurringRunIds: [...recurring] };
}

/** A notebook toolbar button that shows the panel on that notebook's runs. */
export const notebookPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:notebook`,
  description: "Shows a notebook's runs in the Pipelines panel.",
  autoStart: true,
  requires: [IPipelinesPanel],
  optional: [INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    panel: import('../panel/widgets').PipelinesPanel,
    tracker: INotebookTracker | null,
  ): void => {
    if (tracker === null) return;
    const show = (nb: NotebookPanel): void => {
      const { runIds, recurringRunIds } = notebookRuns(nb);
      panel.view.setFilter({
        label: nb.context.path.split('/').pop() ?? 'this notebook',
        runIds,
        recurringRunIds,
      });
      app.shell.activateById(panel.id);
    };
    app.commands.addCommand(CommandIDs.showNotebookRuns, {
      label: 'Show Pipeline Runs of This Notebook',
      icon: pipelabIcon,
      isEnabled: () => tracker.currentWidget !== null,
      execute: () => {
        const nb = tracker.currentWidget;
        if (nb !== null) show(nb);
      },
    });
    tracker.widgetAdded.connect((_sender, nb) => {
      const buttonWidget = new ToolbarButton({
        icon: pipelabIcon,
        tooltip: 'Show the pipeline runs of this notebook',
        onClick: () => show(nb),
      });
      buttonWidget.addClass('pl-NotebookButton');
      nb.toolbar.insertAfter('cellType', 'pipelab-runs', buttonWidget);
    });
  },
};
