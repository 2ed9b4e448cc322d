/**
 * The colours of the plotly charts a view drew, and of the theme they should follow: what the
 * theme tests compare after switching between light and dark.
 */
import type { Locator } from 'playwright-core';

/** A chart's colours: plotly's layout and the title as drawn in the SVG. */
export interface ChartColours {
  /** `_fullLayout.font.color`, as the browser writes that colour (`rgb(…)` or `rgba(…)`). */
  font: string;
  /** `_fullLayout.xaxis.gridcolor`, likewise. */
  grid: string;
  /** The drawn title's fill, its red, green and blue (plotly draws the alpha as an opacity). */
  title: string;
}

/** The few browser APIs the page functions use (the tests are typed without the DOM library). */
interface PageStyle {
  color: string;
  fill: string;
  getPropertyValue(name: string): string;
}
interface PageElement {
  style: { color: string };
  remove(): void;
  querySelector(selector: string): PageElement | null;
  getBoundingClientRect(): { width: number };
}
interface PageGlobals {
  document: { createElement(tag: string): PageElement; body: { append(e: PageElement): void } };
  getComputedStyle(element: unknown): PageStyle;
}

/** The charts drawn under `scope`, with their width (a restyle must not resize them). */
export function chartColours(scope: Locator): Promise<(ChartColours & { width: number })[]> {
  return scope.locator('.pl-Plot.pl-mod-plotted').evaluateAll((plots) => {
    const page = globalThis as unknown as PageGlobals;
    const normal = (colour: string): string => {
      const probe = page.document.createElement('span');
      probe.style.color = colour;
      page.document.body.append(probe);
      const computed = page.getComputedStyle(probe).color;
      probe.remove();
      return computed;
    };
    const rgb = (colour: string): string => (colour.match(/[\d.]+/g) ?? []).slice(0, 3).join(',');
    return plots.map((plot) => {
      const layout = (
        plot as unknown as {
          _fullLayout: { font: { color: string }; xaxis: { gridcolor: string } };
        }
      )._fullLayout;
      const title = (plot as unknown as PageElement).querySelector('.gtitle');
      return {
        font: normal(layout.font.color),
        grid: normal(layout.xaxis.gridcolor),
        title: title === null ? '' : rgb(page.getComputedStyle(title).fill),
        width: Math.round((plot as unknown as PageElement).getBoundingClientRect().width),
      };
    });
  });
}

/** The colours the theme gives `scope` now (JupyterLab's CSS variables), as a chart should show them. */
export function themeColours(scope: Locator): Promise<ChartColours> {
  return scope.evaluate((node) => {
    const page = globalThis as unknown as PageGlobals;
    const normal = (colour: string): string => {
      const probe = page.document.createElement('span');
      probe.style.color = colour;
      page.document.body.append(probe);
      const computed = page.getComputedStyle(probe).color;
      probe.remove();
      return computed;
    };
    const rgb = (colour: string): string => (colour.match(/[\d.]+/g) ?? []).slice(0, 3).join(',');
    const style = page.getComputedStyle(node);
    const font = normal(style.getPropertyValue('--jp-ui-font-color1').trim());
    return {
      font,
      grid: normal(style.getPropertyValue('--jp-border-color2').trim()),
      title: rgb(font),
    };
  });
}

/** The colours of the charts under `scope`, without their widths: what polls compare. */
export async function chartColoursOnly(scope: Locator): Promise<ChartColours[]> {
  return (await chartColours(scope)).map(({ font, grid, title }) => ({ font, grid, title }));
}
