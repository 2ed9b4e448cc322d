/**
 * Where bundles go. In a tslab kernel they become Jupyter `display_data` messages (and
 * `update_display_data` for outputs that change in place); anywhere else (a script, a test) their
 * `text/plain` is printed.
 *
 * tslab's public `display` API sends one MIME type per output, while a bundle needs several (the
 * rich type and its fallbacks), so the bundle goes through the writer tslab's own `display.raw`
 * uses, `lastWriteDisplayData` of its `jupyter` module. That writer is looked up in the module
 * cache of the running kernel on every call (it belongs to the cell being executed), so a
 * different copy of tslab on the resolution path of this package cannot get in the way.
 */
import { randomBytes } from 'node:crypto';
import type { MimeBundle } from './mime';

/** Receives outputs. */
export interface DisplaySink {
  /** Shows a new output; given a display id, later updates with that id replace it. */
  display(bundle: MimeBundle, displayId?: string): void;
  /** Replaces the output shown under `displayId`. */
  update(bundle: MimeBundle, displayId: string): void;
}

interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type TslabWriter = (content: DisplayContent, update: boolean) => void;

const TSLAB_JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

let tslabJupyter: { lastWriteDisplayData?: unknown } | undefined;

/** The display writer of the tslab kernel running this process, if there is one. */
function tslabWriter(): TslabWriter | undefined {
  if (tslabJupyter === undefined) {
    const cache = typeof require === 'function' ? require.cache : undefined;
    for (const [file, mod] of Object.entries(cache ?? {})) {
      if (TSLAB_JUPYTER_MODULE.test(file) && mod?.exports !== undefined) {
        tslabJupyter = mod.exports as { lastWriteDisplayData?: unknown };
        break;
      }
    }
  }
  // Read on every call: tslab sets it for each cell it executes.
  const writer = tslabJupyter?.lastWriteDisplayData;
  return typeof writer === 'function' ? (writer as TslabWriter) : undefined;
}

/** Prints the text of each output and each change; what is shown outside a kernel. */
export const consoleSink: DisplaySink = {
  display(bundle) {
    console.log(bundle['text/plain']);
  },
  update(bundle) {
    console.log(bundle['text/plain']);
  },
};

/** Sends outputs to the tslab kernel this code runs in, else prints them ({@link consoleSink}). */
export const kernelSink: DisplaySink = {
  display(bundle, displayId) {
    const writer = tslabWriter();
    if (writer === undefined) return consoleSink.display(bundle, displayId);
    writer(
      {
        data: bundle,
        metadata: {},
        transient: displayId === undefined ? {} : { display_id: displayId },
      },
      false,
    );
  },
  update(bundle, displayId) {
    const writer = tslabWriter();
    if (writer === undefined) return consoleSink.update(bundle, displayId);
    writer({ data: bundle, metadata: {}, transient: { display_id: displayId } }, true);
  },
};

let sink: DisplaySink = kernelSink;

/**
 * Sends every later output to `next` (tests collect them; another kernel can plug in here).
 * Returns the sink it replaces. Without an argument, restores the default ({@link kernelSink}).
 */
export function setDisplaySink(next: DisplaySink = kernelSink): DisplaySink {
  const previous = sink;
  sink = next;
  return previous;
}

/** True when outputs reach a Jupyter front end (a tslab kernel), false when they are printed. */
export function inKernel(): boolean {
  return sink !== kernelSink || tslabWriter() !== undefined;
}

/** An output that can be replaced in place. */
export class DisplayHandle {
  /** The Jupyter display id. */
  readonly id: string;
  private lastText: string | undefined;

  /** Shows `bundle` now. */
  constructor(bundle: MimeBundle, id: string = randomBytes(8).toString('hex')) {
    this.id = id;
    this.lastText = bundle['text/plain'];
    sink.display(bundle, id);
  }

  /** Replaces the output. Outside a kernel, an unchanged text is not printed again. */
  update(bundle: MimeBundle): void {
    if (sink === consoleSink || (sink === kernelSink && tslabWriter() === undefined)) {
      if (bundle['text/plain'] === this.lastText) return;
    }
    this.lastText = bundle['text/plain'];
    sink.update(bundle, this.id);
  }
}

/** Shows a bundle as a new output. */
export function show(bundle: MimeBundle): void {
  sink.display(bundle);
}

/** Shows a bundle that can be replaced later through the returned handle. */
export function showUpdatable(bundle: MimeBundle): DisplayHandle {
  return new DisplayHandle(bundle);
}
