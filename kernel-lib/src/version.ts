/** Pipelab's version, recorded as `sdkVersion: pipelab-<version>` in compiled pipelines. */
export const VERSION = '0.1.0';
