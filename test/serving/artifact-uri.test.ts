/**
 * The one mapping from artifact URIs to local paths that the steps and the model server use: the
 * engine's, so that what the engine names is read back at the same path.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileUri } from '../../kernel-lib/src/engine/runner/artifacts';
import { localPathOfArtifact } from '../../kernel-lib/src/serving/artifact-uri';

describe('localPathOfArtifact', () => {
  it("maps artifact URIs as KFP's launcher mounts them", () => {
    expect(localPathOfArtifact('gs://bucket/a/model')).toBe('/gcs/bucket/a/model');
    expect(localPathOfArtifact('s3://bucket/x')).toBe('/s3/bucket/x');
    expect(localPathOfArtifact('minio://mlpipeline/x')).toBe('/minio/mlpipeline/x');
    expect(localPathOfArtifact('file:///tmp/model')).toBe('/tmp/model');
    expect(localPathOfArtifact('file://localhost/tmp/model')).toBe('/tmp/model');
    expect(localPathOfArtifact(' /local/path ')).toBe('/local/path');
    expect(localPathOfArtifact('relative/dir')).toBe(path.resolve('relative/dir'));
  });

  it("round-trips the engine's file:// URIs of paths with '#', '%' and spaces", () => {
    for (const p of ['/tmp/run #1/model', '/tmp/a%20b/c', '/tmp/100% sure/m%41', '/tmp/x?y=1']) {
      expect(fileUri(p)).toBe(`file://${p}`);
      expect(localPathOfArtifact(fileUri(p))).toBe(p);
    }
  });

  it('refuses URIs that have no local mount', () => {
    expect(() => localPathOfArtifact('https://example.com/model')).toThrow(
      /is not a local path or a mounted artifact URI/,
    );
    expect(() => localPathOfArtifact('file://')).toThrow(TypeError);
  });
});
