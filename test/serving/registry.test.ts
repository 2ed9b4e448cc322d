/**
 * The model registry without HTTP: versions, the default pointer, retention, rollback, labels,
 * replacing a version, concurrent deploys.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DefaultVersionReplaceError,
  ModelRegistry,
  RollbackError,
  ServingOptionsError,
  VersionExistsError,
  VersionNotFoundError,
} from '../../kernel-lib/src/serving';
import { writeFakeModel } from './support/fake-model';
import { removeTempDirs, tempDir } from './support/temp';

afterAll(removeTempDirs);

function setup(keepVersions?: number): {
  registry: ModelRegistry;
  root: string;
  model: (v: number) => string;
} {
  const root = tempDir('pipelab-registry-');
  const registry = new ModelRegistry({ modelsDir: path.join(root, 'models'), keepVersions });
  const model = (value: number): string =>
    writeFakeModel(path.join(root, 'src', `m${value}-${Math.random().toString(36).slice(2)}`), {
      value,
    });
  return { registry, root, model };
}

describe('ModelRegistry', () => {
  it('adds numbered versions; the first becomes the default, later ones when asked', async () => {
    const { registry, model } = setup();
    const first = await registry.deployVersion('chicago_crime', model(1));
    expect(first.version.version).toBe(1);
    expect(first.isDefault).toBe(true);
    expect(first.previousDefault).toBeUndefined();

    const second = await registry.deployVersion('chicago_crime', model(2));
    expect(second.version.version).toBe(2);
    expect(second.isDefault).toBe(false);
    expect((await registry.getDefault('chicago_crime'))?.version).toBe(1);

    const third = await registry.deployVersion('chicago_crime', model(3), {
      setDefault: true,
      metadata: { note: 'third' },
      source: 'file:///somewhere/model',
    });
    expect(third.isDefault).toBe(true);
    expect(third.previousDefault).toBe(1);
    expect((await registry.listVersions('chicago_crime')).map((v) => v.version)).toEqual([1, 2, 3]);
    expect(third.version.meta).toMatchObject({
      format: 'pipelab.serving.version/v1',
      model: 'chicago_crime',
      version: 3,
      source: 'file:///somewhere/model',
      metadata: { note: 'third' },
    });
    expect(third.version.meta.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The files were copied in, the metadata beside them; nothing temporary is left.
    expect(readdirSync(third.version.dir).sort()).toEqual([
      'fake_model.json',
      'pipelab_version.json',
    ]);
    expect(readdirSync(path.dirname(third.version.dir)).sort()).toEqual(['1', '2', '3', 'default']);
    const pointer = JSON.parse(
      readFileSync(path.join(path.dirname(third.version.dir), 'default'), 'utf8'),
    );
    expect(pointer).toMatchObject({ version: 3, previous: [1] });
    expect(await registry.listModels()).toEqual(['chicago_crime']);
  });

  it('switches the default atomically and records the history', async () => {
    const { registry, model } = setup();
    for (const v of [1, 2, 3]) await registry.deployVersion('m', model(v));
    expect(await registry.setDefault('m', 3)).toEqual({ previous: 1, version: 3 });
    expect(await registry.setDefault('m', 2)).toEqual({ previous: 3, version: 2 });
    expect(await registry.readPointer('m')).toMatchObject({ version: 2, previous: [3, 1] });
    // Setting the default it already has changes nothing.
    expect(await registry.setDefault('m', 2)).toEqual({ previous: 2, version: 2 });
    expect((await registry.readPointer('m'))?.previous).toEqual([3, 1]);
    await expect(registry.setDefault('m', 9)).rejects.toBeInstanceOf(VersionNotFoundError);
  });

  it('rolls back to the previous default, then further back; fails when there is none', async () => {
    const { registry, model } = setup();
    await registry.deployVersion('m', model(1));
    await expect(registry.rollback('m')).rejects.toBeInstanceOf(RollbackError);
    await registry.deployVersion('m', model(2), { setDefault: true });
    await registry.deployVersion('m', model(3), { setDefault: true });
    expect(await registry.rollback('m')).toEqual({ from: 3, to: 2 });
    expect((await registry.getDefault('m'))?.version).toBe(2);
    expect(await registry.rollback('m')).toEqual({ from: 2, to: 1 });
    await expect(registry.rollback('m')).rejects.toThrow(/no earlier default/);
    // An explicit target.
    expect(await registry.rollback('m', { to: 3 })).toEqual({ from: 1, to: 3 });
    await expect(registry.rollback('m', { to: 7 })).rejects.toBeInstanceOf(VersionNotFoundError);
  });

  it('keeps at most keepVersions, never deleting the default, a labelled version or the new one', async () => {
    const { registry, model } = setup(3);
    await registry.deployVersion('m', model(1)); // default
    await registry.deployVersion('m', model(2));
    await registry.setLabel('m', 'stable', 2);
    await registry.deployVersion('m', model(3));
    const fourth = await registry.deployVersion('m', model(4));
    // 1 is the default and 2 is labelled: 3 is the oldest that may go.
    expect(fourth.pruned).toEqual([3]);
    expect((await registry.listVersions('m')).map((v) => v.version)).toEqual([1, 2, 4]);
    const fifth = await registry.deployVersion('m', model(5));
    expect(fifth.pruned).toEqual([4]);
    expect((await registry.listVersions('m')).map((v) => v.version)).toEqual([1, 2, 5]);
    // Version numbers are never reused after pruning.
    const sixth = await registry.deployVersion('m', model(6));
    expect(sixth.version.version).toBe(6);
    expect(sixth.pruned).toEqual([5]);
    await registry.setLabel('m', 'stable', undefined);
    await registry.setDefault('m', 6);
    expect(await registry.prune('m', { keep: 1 })).toEqual([1, 2]);
    expect((await registry.listVersions('m')).map((v) => v.version)).toEqual([6]);
  });

  it('keeps the default and the new version even with keepVersions 1', async () => {
    const { registry, model } = setup(1);
    await registry.deployVersion('m', model(1));
    const second = await registry.deployVersion('m', model(2));
    expect(second.pruned).toEqual([]);
    expect((await registry.listVersions('m')).map((v) => v.version)).toEqual([1, 2]);
    const third = await registry.deployVersion('m', model(3), { setDefault: true });
    expect(third.pruned).toEqual([1, 2]);
  });

  it('creates a given version number, and replaces it only when asked', async () => {
    const { registry, model } = setup();
    await registry.deployVersion('m', model(1), { version: 7 });
    await expect(registry.deployVersion('m', model(2), { version: 7 })).rejects.toBeInstanceOf(
      VersionExistsError,
    );
    const replaced = await registry.deployVersion('m', model(3), {
      version: 7,
      replaceExisting: true,
    });
    expect(replaced.replaced).toBe(true);
    expect(
      JSON.parse(readFileSync(path.join(replaced.version.dir, 'fake_model.json'), 'utf8')).value,
    ).toBe(3);
    expect((await registry.deployVersion('m', model(4))).version.version).toBe(8);
  });

  it("refuses to replace the default's files with a version that must not be the default", async () => {
    const { registry, model } = setup();
    await registry.deployVersion('m', model(1)); // the default
    await registry.deployVersion('m', model(2));
    const refused = registry.deployVersion('m', model(3), {
      version: 1,
      replaceExisting: true,
      setDefault: false,
    });
    await expect(refused).rejects.toBeInstanceOf(DefaultVersionReplaceError);
    await expect(refused).rejects.toThrow(
      /cannot replace version 1 of model 'm': it is the default version/,
    );
    const current = await registry.getDefault('m');
    expect(current?.version).toBe(1);
    expect(
      JSON.parse(readFileSync(path.join(current?.dir ?? '', 'fake_model.json'), 'utf8')),
    ).toMatchObject({
      value: 1,
    });
    expect((await registry.listVersions('m')).map((v) => v.version)).toEqual([1, 2]);
    expect(readdirSync(path.dirname(current?.dir ?? '')).sort()).toEqual(['1', '2', 'default']);
    // A version that is not the default may be replaced without becoming it.
    const other = await registry.deployVersion('m', model(4), {
      version: 2,
      replaceExisting: true,
      setDefault: false,
    });
    expect(other).toMatchObject({ replaced: true, isDefault: false });
    expect((await registry.getDefault('m'))?.version).toBe(1);
  });

  it('lists a version directory copied in by hand, as TensorFlow Serving allows', async () => {
    const { registry, root } = setup();
    const dir = path.join(root, 'models', 'hand', '12');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'fake_model.json'), JSON.stringify({ value: 12 }));
    const [version] = await registry.listVersions('hand');
    expect(version?.version).toBe(12);
    expect(version?.meta.sha256).toBe('');
    expect(await registry.getDefault('hand')).toBeUndefined();
  });

  it('gives concurrent deploys from two processes distinct versions', async () => {
    const { registry, root, model } = setup();
    const other = new ModelRegistry({ modelsDir: path.join(root, 'models') });
    const results = await Promise.all([
      registry.deployVersion('m', model(1)),
      other.deployVersion('m', model(2)),
      registry.deployVersion('m', model(3)),
      other.deployVersion('m', model(4)),
    ]);
    expect(results.map((r) => r.version.version).sort()).toEqual([1, 2, 3, 4]);
    expect(existsSync(path.join(root, 'models', 'm', '.lock'))).toBe(false);
  });

  it('rejects bad names, versions and sources with errors naming them', async () => {
    const { registry, root, model } = setup();
    await expect(registry.deployVersion('bad/name', model(1))).rejects.toBeInstanceOf(
      ServingOptionsError,
    );
    await expect(registry.deployVersion('m:predict', model(1))).rejects.toThrow(
      /invalid model name/,
    );
    await expect(registry.deployVersion('m', model(1), { version: 0 })).rejects.toThrow(
      /positive integer/,
    );
    await expect(registry.deployVersion('m', path.join(root, 'missing'))).rejects.toThrow(
      /does not exist/,
    );
    expect(() => new ModelRegistry({ modelsDir: root, keepVersions: 0 })).toThrow(/keepVersions/);
    await expect(registry.setLabel('m', '1bad', 1)).rejects.toThrow(/invalid label/);
    expect(await registry.listVersions('unknown')).toEqual([]);
  });

  it('tells listeners about its changes', async () => {
    const { registry, model } = setup();
    const kinds: string[] = [];
    const off = registry.onChange((change) => kinds.push(`${change.model}:${change.kind}`));
    await registry.deployVersion('m', model(1));
    await registry.deployVersion('m', model(2));
    await registry.setDefault('m', 2);
    await registry.rollback('m');
    off();
    await registry.setDefault('m', 2);
    expect(kinds).toEqual(['m:deploy', 'm:deploy', 'm:default', 'm:rollback']);
  });
});
