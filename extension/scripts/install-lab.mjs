/**
 * Installs the prebuilt extension where an existing JupyterLab 4 finds it, without Python
 * packaging: `<prefix>/share/jupyter/labextensions/pipelab-jupyterlab` (the sys.prefix of the
 * Python that runs JupyterLab; `--user` for ~/.local/share/jupyter; `--dir` for any
 * labextensions directory). `uninstall` removes it.
 *
 *   npm run install:lab -w extension -- --prefix "$(python3 -c 'import sys; print(sys.prefix)')"
 *   npm run uninstall:lab -w extension -- --prefix ...
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const NAME = 'pipelab-jupyterlab';
const built = path.join(here, 'dist', 'labextension');
const [action, ...args] = process.argv.slice(2);

function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function target() {
  const dir = option('--dir');
  if (dir) return path.resolve(dir, NAME);
  if (args.includes('--user')) {
    const data =
      process.env.JUPYTER_DATA_DIR ?? path.join(os.homedir(), '.local', 'share', 'jupyter');
    return path.join(data, 'labextensions', NAME);
  }
  const prefix = option('--prefix');
  if (!prefix) {
    console.error(
      "Say where: --prefix <sys.prefix of JupyterLab's Python>, --user, or --dir <labextensions directory>.",
    );
    process.exit(2);
  }
  return path.resolve(prefix, 'share', 'jupyter', 'labextensions', NAME);
}

const dest = target();
if (action === 'install') {
  if (!fs.existsSync(path.join(built, 'package.json'))) {
    console.error(`No build in ${built}: run \`npm run build -w extension\` first.`);
    process.exit(1);
  }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(built, dest, { recursive: true });
  console.log(
    `Installed ${NAME} in ${dest}. Restart JupyterLab (\`jupyter labextension list\` shows it).`,
  );
} else if (action === 'uninstall') {
  fs.rmSync(dest, { recursive: true, force: true });
  console.log(`Removed ${dest}.`);
} else {
  console.error(
    'usage: install-lab.mjs install|uninstall --prefix <dir> | --user | --dir <labextensions dir>',
  );
  process.exit(2);
}
