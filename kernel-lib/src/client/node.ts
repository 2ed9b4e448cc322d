/**
 * The client's Node entry point: everything of `./index`, plus the Node-only parts it loads on
 * demand — token files, the kubeconfig transport, a fetch over node:http(s) with an Agent.
 *
 * ```ts
 * import { Client } from 'pipelab/dist/client/node';
 * const client = await Client.connect({ kubeconfig: '~/.kube/config' });
 * ```
 */
export * from './index';
export { kubeTransport, type KubeTransport } from './kube';
export { preparedFetch, type PrepareRequest } from './http-transport';
export {
  tokenFileReader,
  engineTokenPath,
  ENGINE_TOKEN_FILE,
  type TokenFileOptions,
} from './token-file';
