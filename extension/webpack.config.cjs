/**
 * Extra bundler configuration for the prebuilt extension and the dashboard: the kernel-lib
 * client loads its Node-only parts (token files, kubeconfig, the compiler for DSL pipelines)
 * with `import()` when they are used; a browser never uses them, so they are left out.
 */
const { rspack } = require('@rspack/core');

const NODE_ONLY =
  /^(\.\/(kube|token-file|package-file|http-transport|cli-commands)|\.\.\/compiler\/(build|package)|\.\.\/cli\/load-module)(\.js)?$/;

module.exports = {
  plugins: [
    new rspack.IgnorePlugin({
      checkResource: (resource, context) =>
        NODE_ONLY.test(resource) &&
        /kernel-lib[\\/]dist[\\/]client$|pipelab[\\/]dist[\\/]client$/.test(context),
    }),
  ],
};
