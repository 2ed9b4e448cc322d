/**
 * Where the registry lives on this machine: `$PIPELAB_MODELS`, else `models` in Pipelab's home
 * (`$PIPELAB_HOME`, else `~/.pipelab`). The engine's model server, the deploy step and notebooks
 * agree through it.
 */
import * as path from 'node:path';
import { pipelabHome } from '../defaults';

/** Environment variable naming the models root. */
export const MODELS_ENV = 'PIPELAB_MODELS';

/** The models root for an environment. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[MODELS_ENV]?.trim();
  return explicit ? path.resolve(explicit) : path.join(pipelabHome(env), 'models');
}
