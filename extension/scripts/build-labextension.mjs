/**
 * Builds the prebuilt (federated) JupyterLab extension into dist/labextension with
 * @jupyter/builder, against the core package of @jupyterlab/core-meta (the pinned version).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(here, 'package.json'));
const builder = require.resolve('@jupyter/builder/lib/build-labextension.js');
const core = require.resolve('@jupyterlab/core-meta/core.package.json');
const args = [builder, '--core-package-file', core, ...process.argv.slice(2), here];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: here });
process.exit(result.status ?? 1);
