/**
 * The standalone dashboard page the engine serves (for users without JupyterLab): the same
 * panel, run details and recurring-run form, with hash routes as KFP's UI has them
 * (`#/runs/details/<id>`, so the run links printed by notebooks and `npm start` open here).
 */
import '../../../style/dashboard.css';
import type { PipelabRecurringRun } from 'pipelab/client';
import { PipelabConnection } from '../api/connection';
import { button, h, replace } from '../common/dom';
import { ColorSchemeWatcher } from '../common/theme';
import { PipelinesView } from '../panel/panel-view';
import { RecurringRunForm } from '../recurring/form-view';
import { RunDetailsView } from '../rundetails/details-view';

const TOKEN_KEY = 'pipelab-dashboard-token';

/** The token from `?token=` (then kept for the session and removed from the address), or stored. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function endpointOf(): string {
  const url = new URL(window.location.href);
  const configured = document.querySelector<HTMLMetaElement>(
    'meta[name="pipelab-endpoint"]',
  )?.content;
  return url.searchParams.get('endpoint') ?? (configured || url.origin);
}

export function startDashboard(root: HTMLElement): void {
  const connection = new PipelabConnection({
    endpoint: endpointOf(),
    token: takeToken(),
    refreshIntervalMs: 3000,
  });
  // The page's theme is the browser's colour scheme (style/dashboard.css).
  const scheme = new ColorSchemeWatcher();
  const main = h('main', { class: 'pl-Dashboard-main', 'data-testid': 'pl-dashboard-main' });
  let current: { dispose(): void } | undefined;
  const show = (node: HTMLElement, view?: { dispose(): void }): void => {
    current?.dispose();
    current = view;
    replace(main, node);
  };
  const panel = new PipelinesView(connection, {
    openRun: (runId) => {
      window.location.hash = `#/runs/details/${encodeURIComponent(runId)}`;
    },
    editRecurringRun: (existing?: PipelabRecurringRun) => {
      window.location.hash = existing?.recurring_run_id
        ? `#/recurringruns/edit/${encodeURIComponent(existing.recurring_run_id)}`
        : '#/recurringruns/new';
    },
    confirm: async (message) => window.confirm(message),
  });
  const login = (): HTMLElement => {
    const input = h('input', {
      type: 'password',
      'aria-label': 'Access token',
      'data-testid': 'pl-login-token',
    });
    const form = h(
      'form',
      { class: 'pl-Dashboard-login pl-Form' },
      h('h2', { class: 'pl-Form-title' }, 'Pipelab'),
      h('p', {}, connection.status.message),
      h('label', {}, 'Access token (the engine prints it; it is in <dataDir>/token)'),
      input,
      h('button', { type: 'submit', class: 'pl-Button pl-mod-accept' }, 'Connect'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      connection.configure({ token: input.value.trim() });
    });
    return form;
  };
  const route = async (): Promise<void> => {
    const hash = window.location.hash;
    const details = /^#\/runs\/details\/([^/?]+)/.exec(hash);
    const edit = /^#\/recurringruns\/edit\/([^/?]+)/.exec(hash);
    if (connection.status.state === 'refused') {
      show(login());
      return;
    }
    if (details) {
      const view = new RunDetailsView(
        connection,
        decodeURIComponent(details[1] ?? ''),
        {
          openRun: (id) => {
            window.location.hash = `#/runs/details/${encodeURIComponent(id)}`;
          },
          setTitle: (title) => {
            document.title = `${title} · Pipelab`;
          },
        },
        { themeChanged: scheme.changed },
      );
      show(view.node, view);
      view.start();
    } else if (hash.startsWith('#/recurringruns/new') || edit) {
      const existing = edit
        ? await connection.client.recurringRuns.get(decodeURIComponent(edit[1] ?? ''))
        : undefined;
      const back = (): void => {
        window.location.hash = '#/';
      };
      const form = new RecurringRunForm(
        connection,
        {
          done: (saved) => {
            back();
            // The server's answer is shown at once; the lists are reloaded behind it.
            void panel.recurringRunSaved(saved);
          },
          cancel: () => {
            back();
            void panel.refresh();
          },
        },
        existing,
      );
      show(form.node, form);
    } else {
      document.title = 'Pipelab';
      show(
        h(
          'div',
          { class: 'pl-Details' },
          h('h2', { class: 'pl-Details-title' }, 'Pipelab'),
          h('p', {}, 'Choose a run in the list to see its graph, logs, metrics and plots.'),
          button('New recurring run', () => {
            window.location.hash = '#/recurringruns/new';
          }),
        ),
      );
    }
  };
  connection.statusChanged.connect(() => {
    if (connection.status.state === 'refused' || main.querySelector('.pl-Dashboard-login'))
      void route();
  });
  window.addEventListener('hashchange', () => void route());
  replace(
    root,
    h(
      'div',
      { class: 'pl-Dashboard' },
      h('aside', { class: 'pl-Dashboard-side' }, panel.node),
      main,
    ),
  );
  void connection.check().then(() => route());
  panel.start();
}

const root = document.getElementById('pipelab-dashboard');
if (root !== null) startDashboard(root);
