/**
 * The connection the views share: a kernel-lib {@link Client} built from the settings (endpoint,
 * token, refresh interval), with the server's status (connected, unreachable, refused).
 */
import { Client, ConnectionError, KfpApiError, normalizeEndpoint } from 'pipelab/client';
import { Signal, type ISignal } from '@lumino/signaling';

/** What the user configures. */
export interface PipelabSettings {
  /** The server's base URL. */
  endpoint: string;
  /** The bearer token (the engine's `<dataDir>/token`); empty for none. */
  token: string;
  /** How often lists and running runs are refreshed, in ms. */
  refreshIntervalMs: number;
}

export const DEFAULT_SETTINGS: PipelabSettings = {
  endpoint: 'http://127.0.0.1:8765',
  token: '',
  refreshIntervalMs: 3000,
};

/** The server's status as last checked. */
export interface ConnectionStatus {
  state: 'unknown' | 'connected' | 'unreachable' | 'refused';
  message: string;
  /** The server's version (`tag_name` of healthz). */
  version?: string;
}

/** The shared connection. */
export class PipelabConnection {
  private _client: Client;
  private _settings: PipelabSettings;
  private _status: ConnectionStatus = { state: 'unknown', message: 'Not checked yet.' };
  private readonly _changed = new Signal<this, void>(this);
  private readonly _statusChanged = new Signal<this, ConnectionStatus>(this);

  constructor(settings: Partial<PipelabSettings> = {}) {
    this._settings = settle(settings);
    this._client = makeClient(this._settings);
  }

  /** The client on the current settings. */
  get client(): Client {
    return this._client;
  }

  get settings(): PipelabSettings {
    return this._settings;
  }

  get endpoint(): string {
    return this._client.endpoint;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  /** Emitted when the settings change (views reload). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the status changes. */
  get statusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }

  /** Applies new settings. */
  configure(settings: Partial<PipelabSettings>): void {
    const next = settle({ ...this._settings, ...settings });
    if (JSON.stringify(next) === JSON.stringify(this._settings)) return;
    this._settings = next;
    this._client = makeClient(next);
    this.setStatus({ state: 'unknown', message: 'Not checked yet.' });
    this._changed.emit();
  }

  /** A URL of a GET path below `/apis/v2beta1` with the token as a query parameter (for links). */
  url(path: string, query: Record<string, string> = {}): string {
    const params = new URLSearchParams(query);
    if (this._settings.token !== '') params.set('token', this._settings.token);
    const search = params.toString();
    return `${this.endpoint}/apis/v2beta1${path}${search === '' ? '' : `?${search}`}`;
  }

  /** Checks the server: healthz, then one call that needs the token. */
  async check(): Promise<ConnectionStatus> {
    const client = this._client;
    let status: ConnectionStatus;
    try {
      const health = await client.healthz();
      await client.experiments.list({ pageSize: 1 });
      status = {
        state: 'connected',
        message: `Connected to ${client.endpoint}`,
        ...(health.tag_name !== undefined ? { version: health.tag_name } : {}),
      };
    } catch (error) {
      status = statusOf(error, client.endpoint);
    }
    if (client === this._client) this.setStatus(status);
    return status;
  }

  /** Records the outcome of any call: a failure to connect marks the server unreachable. */
  noteError(error: unknown): void {
    if (
      error instanceof ConnectionError ||
      (error instanceof KfpApiError && error.status === 401)
    ) {
      this.setStatus(statusOf(error, this.endpoint));
    }
  }

  /** Records a successful call. */
  noteSuccess(): void {
    if (this._status.state !== 'connected') {
      void this.check();
    }
  }

  private setStatus(status: ConnectionStatus): void {
    const old = this._status;
    this._status = status;
    if (old.state !== status.state || old.message !== status.message) {
      this._statusChanged.emit(status);
    }
  }
}

function settle(settings: Partial<PipelabSettings>): PipelabSettings {
  let endpoint = (settings.endpoint ?? '').trim() || DEFAULT_SETTINGS.endpoint;
  try {
    endpoint = normalizeEndpoint(endpoint);
  } catch {
    endpoint = DEFAULT_SETTINGS.endpoint;
  }
  const refresh = Number(settings.refreshIntervalMs);
  return {
    endpoint,
    token: (settings.token ?? '').trim(),
    refreshIntervalMs: Number.isFinite(refresh) && refresh >= 500 ? refresh : 3000,
  };
}

function makeClient(settings: PipelabSettings): Client {
  return new Client({
    endpoint: settings.endpoint,
    ...(settings.token !== '' ? { token: settings.token } : {}),
    env: {},
    timeoutMs: 30_000,
  });
}

function statusOf(error: unknown, endpoint: string): ConnectionStatus {
  if (error instanceof ConnectionError) {
    return {
      state: 'unreachable',
      message: `Cannot reach ${endpoint}. Is the engine running? Start it with \`pipelab engine start\`.`,
    };
  }
  if (error instanceof KfpApiError && (error.status === 401 || error.status === 403)) {
    return {
      state: 'refused',
      message: `${endpoint} refused the request: ${error.apiMessage} Set the token in Settings → Pipelab.`,
    };
  }
  return {
    state: 'unreachable',
    message: error instanceof Error ? error.message : String(error),
  };
}
