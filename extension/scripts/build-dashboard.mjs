/**
 * Builds the standalone dashboard (the engine serves it): dist/dashboard/index.html and its
 * scripts, from lib/dashboard/index.js (compiled by tsc) and the CSS in ../style.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(here, 'package.json'));
const { rspack } = require('@rspack/core');
const base = require('@jupyter/builder/lib/webpack.config.base.js');
const extra = require(path.join(here, 'webpack.config.cjs'));
const out = path.join(here, 'dist', 'dashboard');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(
  path.join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Pipelab</title>
    <link rel="icon" href="data:," />
    <script defer src="dashboard.js"></script>
  </head>
  <body>
    <div id="pipelab-dashboard"></div>
  </body>
</html>
`,
);

const config = {
  ...base,
  mode: 'production',
  devtool: false,
  context: here,
  entry: { dashboard: path.join(here, 'lib', 'dashboard', 'index.js') },
  output: {
    path: out,
    filename: '[name].js',
    chunkFilename: '[name].[contenthash].js',
    publicPath: 'auto',
  },
  performance: { hints: false },
  plugins: [...base.plugins, ...extra.plugins],
};

rspack(config, (error, stats) => {
  if (error || stats.hasErrors()) {
    console.error(error ?? stats.toString({ all: false, errors: true }));
    process.exit(1);
  }
  console.log(`dashboard built: ${path.join(out, 'index.html')}`);
});
