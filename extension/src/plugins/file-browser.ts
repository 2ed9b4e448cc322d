import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { Contents } from '@jupyterlab/services';
import type { PipelabConnection } from '../api/connection';
import { uploadPipelineFile } from '../api/extras';
import { errorMessage } from '../common/dom';
import {
  CommandIDs,
  IPipelabConnection,
  IPipelinesPanel,
  IRunDetailsOpener,
  PACKAGE,
} from '../tokens';

const PIPELINE_FILE = /\.(ya?ml|json|tar\.gz|tgz)$/i;

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** "Upload" and "Run" on compiled pipeline files in the file browser. */
export const fileBrowserPlugin: JupyterFrontEndPlugin<void> = {
  id: `${PACKAGE}:file-browser`,
  description: 'Uploads or runs compiled pipeline files from the file browser.',
  autoStart: true,
  requires: [IPipelabConnection, IPipelinesPanel, IRunDetailsOpener],
  optional: [IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    connection: PipelabConnection,
    panel: import('../panel/widgets').PipelinesPanel,
    opener: import('../tokens').IRunDetailsOpener,
    browser: IDefaultFileBrowser | null,
  ): void => {
    if (browser === null) return;
    const selected = (): Contents.IModel | undefined => {
      const item = browser.selectedItems().next();
      const model =
        item && 'value' in item
          ? (item as { value?: Contents.IModel }).value
          : (item as Contents.IModel | undefined);
      return model !== undefined && PIPELINE_FILE.test(model.name) ? model : undefined;
    };
    const read = async (model: Contents.IModel): Promise<Blob> => {
      const file = await app.serviceManager.contents.get(model.path, {
        content: true,
        format: 'base64',
      });
      return new Blob([base64Bytes(String(file.content)).buffer as ArrayBuffer]);
    };
    app.commands.addCommand(CommandIDs.uploadFile, {
      label: 'Upload to Pipelab',
      caption: 'Upload this compiled pipeline to the pipelines server',
      isVisible: () => selected() !== undefined,
      execute: async () => {
        const model = selected();
        if (model === undefined) return;
        app.shell.activateById(panel.id);
        await panel.view.upload(await read(model), model.name);
      },
    });
    app.commands.addCommand(CommandIDs.runFile, {
      label: 'Run on Pipelab',
      caption: 'Start a run of this compiled pipeline',
      isVisible: () => selected() !== undefined,
      execute: async () => {
        const model = selected();
        if (model === undefined) return;
        try {
          const text = await read(model);
          const uploaded = await uploadPipelineFile(connection.client, text, model.name, {
            name: `${model.name.replace(PIPELINE_FILE, '')}-${Date.now()}`,
          });
          const pipelineId = (uploaded as { pipeline_id?: string }).pipeline_id ?? '';
          const run = await connection.client.runs.create({
            pipelineVersion: { pipelineId },
            displayName: `${model.name} ${new Date().toLocaleString()}`,
          });
          await panel.view.refresh();
          opener.open(run.id);
        } catch (error) {
          window.alert(`Could not run ${model.name}: ${errorMessage(error)}`);
        }
      },
    });
    const selector = '.jp-DirListing-item[data-isdir="false"]';
    app.contextMenu.addItem({ command: CommandIDs.uploadFile, selector, rank: 20 });
    app.contextMenu.addItem({ command: CommandIDs.runFile, selector, rank: 21 });
  },
};
