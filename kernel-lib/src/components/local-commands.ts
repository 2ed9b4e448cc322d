/**
 * How the embedded engine runs Pipelab's own component image without pulling it: a container
 * whose command starts with `pipelab-component` runs as `node <kernel-lib>/dist/components/main.js`
 * with the same arguments, the way kfp.local's SubprocessRunner runs a container's command on the
 * host. Every other container runs its command as written.
 */
import * as path from 'node:path';
import type { CommandResolver } from '../engine/runner/types';

/** The built entry point of `pipelab-component` (from src/ or dist/ alike). */
export const COMPONENT_MAIN = path.resolve(__dirname, '..', '..', 'dist', 'components', 'main.js');

export const pipelabCommandResolver: CommandResolver = (container) => {
  const [program, ...rest] = container.command;
  if (program !== 'pipelab-component') return undefined;
  return { command: [process.execPath, COMPONENT_MAIN, ...rest, ...container.args] };
};
