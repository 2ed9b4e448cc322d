/**
 * MIME renderers: the live run link (`application/vnd.pipelab.run+json`) and plotly figures
 * (`application/vnd.plotly.v1+json`, so that tslab notebooks' plots render without a Python
 * package).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { PipelabConnection } from '../api/connection';
import { h } from '../common/dom';
import type { ThemeChanged } from '../common/theme';
import { PLOTLY_MIME_TYPE, RUN_MIME_TYPE } from '../tokens';
import { ChartRestyler, purgeFigure, renderFigure, type Figure } from '../rundetails/plots';
import { asRunBundle } from './run-bundle';
import { RunLinkView } from './run-link-view';

/** CSS class of the run-link output. */
const RUN_LINK_CLASS = 'pl-RunLinkOutput';
const PLOTLY_CLASS = 'pl-PlotlyOutput';

class RunLinkRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly view: RunLinkView;

  constructor(connection: PipelabConnection, openRun: (runId: string) => void) {
    super();
    this.addClass(RUN_LINK_CLASS);
    this.view = new RunLinkView(connection, openRun);
    this.node.appendChild(this.view.node);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const bundle = asRunBundle(model.data[RUN_MIME_TYPE]);
    if (bundle === undefined) {
      this.node.textContent = 'Not a Pipelab run bundle.';
      return;
    }
    this.view.show(bundle);
  }

  override dispose(): void {
    this.view.dispose();
    super.dispose();
  }
}

class PlotlyRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly plot = h('div', { class: 'pl-Plot' });
  private readonly restyler: ChartRestyler;

  constructor(themeChanged: ThemeChanged | undefined) {
    super();
    this.addClass(PLOTLY_CLASS);
    this.node.appendChild(this.plot);
    this.restyler = new ChartRestyler(this.node, themeChanged);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const figure = model.data[PLOTLY_MIME_TYPE] as unknown as Figure | undefined;
    if (figure === undefined || !Array.isArray(figure.data)) {
      this.plot.textContent = 'Not a plotly figure.';
      return;
    }
    await renderFigure(this.plot, figure);
  }

  override dispose(): void {
    this.restyler.dispose();
    purgeFigure(this.plot);
    super.dispose();
  }
}

export function runLinkRendererFactory(
  connection: PipelabConnection,
  openRun: (runId: string) => void,
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [RUN_MIME_TYPE],
    defaultRank: 40,
    createRenderer: () => new RunLinkRenderer(connection, openRun),
  };
}

/** Plotly figures, restyled in the new theme's colours when `themeChanged` says it changed. */
export function plotlyRendererFactory(themeChanged?: ThemeChanged): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PLOTLY_MIME_TYPE],
    defaultRank: 60,
    createRenderer: () => new PlotlyRenderer(themeChanged),
  };
}
