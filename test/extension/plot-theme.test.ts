/**
 * The colours plotly charts take from the theme (extension/src/rundetails/plot-theme.ts): the
 * layout a chart is drawn with, and the `Plotly.relayout` update that restyles it when the theme
 * changes, which must leave the figure's own choices alone. The browser tests check the drawn
 * charts after a real theme switch.
 */
import { describe, expect, it } from 'vitest';
import {
  mergeLayout,
  themeLayout,
  themeRelayout,
  type ThemeStyle,
} from '../../extension/src/rundetails/plot-theme';

const dark: ThemeStyle = {
  font: 'rgba(255, 255, 255, 0.87)',
  family: 'system-ui',
  grid: '#424242',
  line: '#616161',
  muted: 'rgba(255, 255, 255, 0.54)',
  strong: 'rgba(255, 255, 255, 1)',
};

describe('mergeLayout', () => {
  it("keeps the theme's axis colours under a figure's axis title", () => {
    const merged = mergeLayout(themeLayout(dark), {
      title: { text: 'Loss curve' },
      xaxis: { title: { text: 'epoch' } },
    });
    expect(merged.xaxis).toEqual({
      gridcolor: '#424242',
      linecolor: '#616161',
      zerolinecolor: '#616161',
      title: { text: 'epoch' },
    });
    expect(merged.title).toEqual({ text: 'Loss curve' });
    expect(merged.font).toEqual({ color: dark.font, family: 'system-ui' });
  });

  it("lets the figure's own values win, and replaces arrays whole", () => {
    const merged = mergeLayout(
      { font: { color: 'black', size: 12 }, shapes: [{ type: 'line' }] },
      { font: { color: 'red' }, shapes: [] },
    );
    expect(merged).toEqual({ font: { color: 'red', size: 12 }, shapes: [] });
  });
});

describe('themeRelayout', () => {
  it('sets every themed colour by its path', () => {
    expect(themeRelayout(dark)).toEqual({
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      'font.color': dark.font,
      'font.family': 'system-ui',
      'xaxis.gridcolor': '#424242',
      'xaxis.linecolor': '#616161',
      'xaxis.zerolinecolor': '#616161',
      'yaxis.gridcolor': '#424242',
      'yaxis.linecolor': '#616161',
      'yaxis.zerolinecolor': '#616161',
      'modebar.bgcolor': 'rgba(0,0,0,0)',
      'modebar.color': dark.muted,
      'modebar.activecolor': dark.strong,
    });
  });

  it("leaves alone what the figure's layout sets itself", () => {
    const update = themeRelayout(dark, {
      paper_bgcolor: 'white',
      font: { color: '#2a3f5f' },
      xaxis: { title: { text: 'day' }, gridcolor: '#eee' },
      yaxis: 'not an object',
    });
    expect('paper_bgcolor' in update).toBe(false);
    expect('font.color' in update).toBe(false);
    expect(update['font.family']).toBe('system-ui');
    expect('xaxis.gridcolor' in update).toBe(false);
    expect(update['xaxis.linecolor']).toBe('#616161');
    expect(Object.keys(update).filter((k) => k.startsWith('yaxis'))).toEqual([]);
    expect(update['plot_bgcolor']).toBe('rgba(0,0,0,0)');
  });
});
