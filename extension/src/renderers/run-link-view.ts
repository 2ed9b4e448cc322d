/**
 * The live run-link widget: the run's name, its state and step progress, its duration, and a
 * link to its details; refreshed until the run ends, and again whenever it is shown (a reopened
 * notebook shows the state now, not the one saved with the output).
 */
import type { V2beta1Run } from 'pipelab/client';
import { isFinalState, runLink } from 'pipelab/client';
import type { PipelabConnection } from '../api/connection';
import { errorMessage, h, replace } from '../common/dom';
import {
  formatDuration,
  runDuration,
  stateClass,
  stateLabel,
  stepProgress,
} from '../common/format';
import { Poller } from '../common/poller';
import { safeLink, type RunBundle } from './run-bundle';

export class RunLinkView {
  readonly node: HTMLElement;
  private readonly poller: Poller;
  private bundle: RunBundle | undefined;
  private run: V2beta1Run | undefined;
  private error: string | undefined;

  constructor(
    private readonly connection: PipelabConnection,
    private readonly openRun: ((runId: string) => void) | undefined,
  ) {
    this.node = h('div', { class: 'pl-RunLink', 'data-testid': 'pl-run-link' });
    this.poller = new Poller(
      () => this.load(),
      () => this.connection.settings.refreshIntervalMs,
    );
  }

  /** Shows a bundle and starts following its run. */
  show(bundle: RunBundle): void {
    const changed = this.bundle?.run_id !== bundle.run_id;
    this.bundle = bundle;
    if (changed) this.run = undefined;
    this.render();
    this.poller.start();
  }

  dispose(): void {
    this.poller.dispose();
  }

  /** True when the bundle's run lives on the configured server (so its token applies). */
  private sameServer(): boolean {
    const endpoint = this.bundle?.endpoint?.replace(/\/+$/, '');
    return endpoint === undefined || endpoint === this.connection.endpoint;
  }

  private async load(): Promise<void> {
    const bundle = this.bundle;
    if (bundle === undefined) return;
    if (!this.sameServer()) {
      this.error = `This run is on ${bundle.endpoint}; Pipelab is configured for ${this.connection.endpoint}.`;
      this.render();
      this.poller.stop();
      return;
    }
    try {
      this.run = await this.connection.client.runs.get(bundle.run_id);
      this.error = undefined;
    } catch (error) {
      this.error = errorMessage(error);
    }
    this.render();
    if (this.run !== undefined && isFinalState(this.run.state)) this.poller.stop();
  }

  private render(): void {
    const bundle = this.bundle;
    if (bundle === undefined) return;
    const run = this.run;
    const state = run?.state ?? bundle.state;
    const progress = run !== undefined ? stepProgress(run) : undefined;
    const duration = run !== undefined ? runDuration(run) : undefined;
    const name = run?.display_name ?? bundle.display_name ?? bundle.run_id;
    const href = safeLink(bundle.link) ?? runLink(this.connection.endpoint, bundle.run_id);
    const link = h(
      'a',
      {
        class: 'pl-Link pl-RunLink-name',
        href,
        target: '_blank',
        rel: 'noopener',
        'data-testid': 'pl-run-link-open',
        title: 'Open the run details',
      },
      name,
    );
    if (this.openRun !== undefined && this.sameServer()) {
      link.addEventListener('click', (event) => {
        event.preventDefault();
        this.openRun?.(bundle.run_id);
      });
    }
    this.node.dataset.state = state ?? '';
    replace(
      this.node,
      h(
        'span',
        { class: stateClass(state), 'data-testid': 'pl-run-link-state' },
        stateLabel(state),
      ),
      link,
      progress !== undefined
        ? h(
            'span',
            {
              class: 'pl-Progress pl-RunLink-progress',
              role: 'progressbar',
              'aria-valuemin': 0,
              'aria-valuemax': progress.total,
              'aria-valuenow': progress.done,
              title: `${progress.done} of ${progress.total} steps done`,
            },
            h('span', {
              class: `pl-Progress-bar ${progress.failed > 0 ? 'pl-mod-failed' : ''}`,
              style: `width: ${progress.total === 0 ? 0 : Math.round((100 * progress.done) / progress.total)}%`,
            }),
          )
        : null,
      progress !== undefined
        ? h('span', { class: 'pl-Item-meta' }, `${progress.done}/${progress.total} steps`)
        : null,
      duration !== undefined
        ? h('span', { class: 'pl-Item-meta' }, formatDuration(duration))
        : null,
      this.error !== undefined
        ? h('span', { class: 'pl-RunLink-error', title: this.error }, this.error)
        : null,
    );
  }
}
