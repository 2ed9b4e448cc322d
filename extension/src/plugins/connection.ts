import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { DEFAULT_SETTINGS, PipelabConnection, type PipelabSettings } from '../api/connection';
import { IPipelabConnection, SETTINGS_PLUGIN_ID } from '../tokens';

function read(settings: ISettingRegistry.ISettings): Partial<PipelabSettings> {
  const get = (key: string): unknown => settings.get(key).composite;
  return {
    endpoint: String(get('endpoint') ?? DEFAULT_SETTINGS.endpoint),
    token: String(get('token') ?? ''),
    refreshIntervalMs: Number(get('refreshInterval') ?? 3) * 1000,
  };
}

/** The connection, configured from the settings (endpoint, token, refresh interval). */
export const connectionPlugin: JupyterFrontEndPlugin<PipelabConnection> = {
  id: SETTINGS_PLUGIN_ID,
  description: 'The connection to the pipelines API (embedded engine or Kubeflow Pipelines).',
  autoStart: true,
  provides: IPipelabConnection,
  optional: [ISettingRegistry],
  activate: async (
    _app: JupyterFrontEnd,
    registry: ISettingRegistry | null,
  ): Promise<PipelabConnection> => {
    const connection = new PipelabConnection();
    if (registry !== null) {
      try {
        const settings = await registry.load(SETTINGS_PLUGIN_ID);
        connection.configure(read(settings));
        settings.changed.connect(() => connection.configure(read(settings)));
      } catch (error) {
        console.warn('Pipelab: could not load the settings; using the defaults.', error);
      }
    }
    void connection.check();
    return connection;
  },
};
