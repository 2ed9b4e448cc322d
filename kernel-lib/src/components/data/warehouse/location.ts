/**
 * Where the embedded warehouse lives: `$PIPELAB_WAREHOUSE`, else `warehouse.duckdb` in Pipelab's
 * home (`$PIPELAB_HOME`, else `~/.pipelab`).
 */
import * as path from 'node:path';
import { pipelabHome } from '../../../defaults';

/** Environment variable naming the warehouse file. */
export const WAREHOUSE_ENV = 'PIPELAB_WAREHOUSE';
/** Environment variable naming Pipelab's home folder. */
export const HOME_ENV = 'PIPELAB_HOME';

/** The warehouse file for an environment. */
export function defaultWarehousePath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[WAREHOUSE_ENV]?.trim();
  if (explicit) return path.resolve(explicit);
  return path.join(pipelabHome(env), 'warehouse.duckdb');
}
