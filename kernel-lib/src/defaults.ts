/**
 * Where Pipelab keeps its things on this machine, and the address of the embedded engine. One
 * place, so that the engine, the client, the CLI and the notebooks agree.
 */
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The embedded engine's default port. Not KFP's 8888: that is also Jupyter's default, and
 * Pipelab runs beside JupyterLab.
 */
export const DEFAULT_ENGINE_PORT = 8765;

/** The embedded engine's default address. */
export const DEFAULT_ENGINE_URL = `http://127.0.0.1:${DEFAULT_ENGINE_PORT}`;

/** `$PIPELAB_HOME`, else `~/.pipelab`. */
export function pipelabHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.PIPELAB_HOME?.trim();
  return home ? path.resolve(home) : path.join(os.homedir(), '.pipelab');
}

/** The engine's data directory: `$PIPELAB_ENGINE_DATA`, else `<home>/engine`. */
export function engineDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PIPELAB_ENGINE_DATA;
  return dir && dir.trim() !== '' ? path.resolve(dir) : path.join(pipelabHome(env), 'engine');
}
