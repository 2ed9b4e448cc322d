/* global window */
/*
 * The harness application: JupyterLab's core extensions listed in extensions.json (imported by
 * the generated core-extensions.js) plus the federated extensions of the page config.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import { PluginRegistry } from '@lumino/coreutils';
import '../dist/gen/style.js';
import {
  coreExtensions,
  coreMimeExtensions,
  disabledPlugins,
} from '../dist/gen/core-extensions.js';

async function federatedModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  const instance = factory();
  instance.__scope__ = scope;
  return instance;
}

function pluginsOf(mod) {
  const exported = Object.prototype.hasOwnProperty.call(mod, '__esModule') ? mod.default : mod;
  const list = Array.isArray(exported) ? exported : [exported];
  return list.filter(
    (p) => !disabledPlugins.includes(p.id) && !PageConfig.Extension.isDisabled(p.id),
  );
}

export async function main(config) {
  const registry = new PluginRegistry();
  const register = [];
  const mimeExtensions = [];
  for (const mod of await coreExtensions()) register.push(...pluginsOf(mod));
  for (const mod of await coreMimeExtensions()) mimeExtensions.push(...pluginsOf(mod));
  for (const data of config.federated_extensions || []) {
    try {
      if (data.extension)
        register.push(...pluginsOf(await federatedModule(data.name, data.extension)));
      if (data.mimeExtension)
        mimeExtensions.push(...pluginsOf(await federatedModule(data.name, data.mimeExtension)));
      if (data.style) await federatedModule(data.name, data.style);
    } catch (error) {
      console.error(`could not load the extension ${data.name}`, error);
    }
  }
  registry.registerPlugins(register);
  const { IServiceManager } = await import('@jupyterlab/services');
  const { IConnectionStatus, JupyterLab } = await import('@jupyterlab/application');
  const serviceManager = await registry.resolveOptionalService(IServiceManager);
  const connectionStatus = await registry.resolveOptionalService(IConnectionStatus);
  const lab = new JupyterLab({
    pluginRegistry: registry,
    serviceManager,
    connectionStatus,
    mimeExtensions,
    disabled: { matches: [], patterns: PageConfig.Extension.disabled.map((v) => v.raw) },
    deferred: { matches: [], patterns: PageConfig.Extension.deferred.map((v) => v.raw) },
  });
  window.jupyterapp = lab;
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
  window.document.body.dataset.harnessReady = 'true';
}
