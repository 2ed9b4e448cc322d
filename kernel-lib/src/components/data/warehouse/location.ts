/**
 * Where the embedded warehouse lives: `$PIPELAB_WAREHOUSE`, else `warehouse.duckdb` in Pipelab's
 * home (`$PIPELAB_HOME`, else `~/.pipelab`).
 */
import * as os from 'node:os';
import * as path from 'node:path';

/** Environment variable naming the warehouse file. */
export const WAREHOUSE_ENV = 'PIPELAB_WAREHOUSE';
/** Environment variable naming Pipelab's home folder. */
export const HOME_ENV = 'PIPELAB_HOME';

/** The warehouse file for an environment. */
export function defaultWarehousePath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[WAREHOUSE_ENV]?.trim();
  if (explicit) return path.resolve(explicit);
  const home = env[HOME_ENV]?.trim() || path.join(os.homedir(), '.pipelab');
  return path.resolve(home, 'warehouse.duckdb');
}
