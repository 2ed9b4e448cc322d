/**
 * Lumino widgets around the plain DOM views, for JupyterLab's shell.
 */
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { PipelabRecurringRun } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import type { ThemeChanged } from '../common/theme';
import { RecurringRunForm, type FormActions } from '../recurring/form-view';
import { RunDetailsView } from '../rundetails/details-view';
import { PipelinesView, type PanelActions } from './panel-view';

/** The left-sidebar panel. */
export class PipelinesPanel extends Widget {
  readonly view: PipelinesView;

  constructor(connection: PipelabConnection, actions: PanelActions) {
    super();
    this.id = 'pipelab-panel';
    this.addClass('pl-PanelWidget');
    this.view = new PipelinesView(connection, actions);
    this.node.appendChild(this.view.node);
  }

  protected override onAfterShow(_msg: Message): void {
    this.view.start();
  }

  protected override onAfterAttach(_msg: Message): void {
    if (this.isVisible) this.view.start();
  }

  protected override onAfterHide(_msg: Message): void {
    this.view.stop();
  }

  override dispose(): void {
    this.view.dispose();
    super.dispose();
  }
}

/** Run details in the main area. */
export class RunDetailsWidget extends Widget {
  readonly view: RunDetailsView;

  constructor(
    connection: PipelabConnection,
    readonly runId: string,
    openRun: (runId: string) => void,
    themeChanged?: ThemeChanged,
  ) {
    super();
    this.id = `pipelab-run-${runId}`;
    this.addClass('pl-DetailsWidget');
    this.title.label = `Run ${runId.slice(0, 8)}`;
    this.title.closable = true;
    this.view = new RunDetailsView(
      connection,
      runId,
      {
        openRun,
        setTitle: (title) => {
          this.title.label = title;
          this.title.caption = `Pipelab run ${runId}`;
        },
      },
      { themeChanged },
    );
    this.node.appendChild(this.view.node);
  }

  protected override onAfterAttach(_msg: Message): void {
    this.view.start();
  }

  override dispose(): void {
    this.view.dispose();
    super.dispose();
  }
}

/** The recurring-run form in the main area. */
export class RecurringRunFormWidget extends Widget {
  readonly form: RecurringRunForm;

  constructor(connection: PipelabConnection, actions: FormActions, existing?: PipelabRecurringRun) {
    super();
    this.id = `pipelab-recurring-form-${existing?.recurring_run_id ?? 'new'}`;
    this.addClass('pl-FormWidget');
    this.title.label = existing
      ? `Edit ${existing.display_name ?? 'recurring run'}`
      : 'New recurring run';
    this.title.closable = true;
    this.form = new RecurringRunForm(connection, actions, existing);
    this.node.appendChild(this.form.node);
  }

  override dispose(): void {
    this.form.dispose();
    super.dispose();
  }
}
