/**
 * A small DOM builder: the views are plain DOM so that the same code runs inside JupyterLab and
 * on the engine's standalone dashboard page.
 */

export type Child = Node | string | number | null | undefined | false;
type Listener = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | Listener | undefined | null>;

/** Creates an element: `h('button', { class: 'x', onclick: fn }, 'Label')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, ''), value);
    } else if (key === 'class') {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children, flattening arrays and skipping empty ones. */
export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  parent.textContent = '';
  append(parent, children);
}

/** An SVG element. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) el.setAttribute(key, String(value));
  }
  for (const child of children) {
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** A button with a label, a title and a click handler; disabled while an async handler runs. */
export function button(
  label: string,
  onClick: () => void | Promise<void>,
  options: { title?: string; className?: string; testId?: string } = {},
): HTMLButtonElement {
  const el = h('button', {
    type: 'button',
    class: `pl-Button ${options.className ?? ''}`.trim(),
    title: options.title ?? label,
    'aria-label': options.title ?? label,
    'data-testid': options.testId,
  });
  el.textContent = label;
  el.addEventListener('click', (event) => {
    event.stopPropagation();
    const result = onClick();
    if (result instanceof Promise) {
      el.disabled = true;
      void result.finally(() => {
        el.disabled = false;
      });
    }
  });
  return el;
}

/** The message of an error, for people. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const api = (error as { apiMessage?: unknown }).apiMessage;
    return typeof api === 'string' && api !== '' ? api : error.message;
  }
  return String(error);
}
