/**
 * Theme changes, for what draws with the theme's colours instead of styling with its CSS
 * variables (plotly charts). In JupyterLab the theme manager says when the theme changed
 * (`IThemeManager.themeChanged`); the dashboard follows the browser's colour scheme
 * (`prefers-color-scheme` in style/dashboard.css), watched here.
 */
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';

/** Emitted once the new theme's CSS variables apply. */
export type ThemeChanged = ISignal<unknown, unknown>;

/** The browser's colour scheme, as the dashboard's theme. */
export class ColorSchemeWatcher implements IDisposable {
  private readonly query: MediaQueryList;
  private readonly _changed = new Signal<this, 'light' | 'dark'>(this);
  private _isDisposed = false;

  constructor(win: Window = window) {
    this.query = win.matchMedia('(prefers-color-scheme: dark)');
    this.query.addEventListener('change', this.onChange);
  }

  /** The scheme now. */
  get scheme(): 'light' | 'dark' {
    return this.query.matches ? 'dark' : 'light';
  }

  get changed(): ISignal<this, 'light' | 'dark'> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    this.query.removeEventListener('change', this.onChange);
    Signal.clearData(this);
  }

  private readonly onChange = (): void => {
    this._changed.emit(this.scheme);
  };
}
