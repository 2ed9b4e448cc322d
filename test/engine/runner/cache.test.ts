import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  JsonFileCacheStore,
  MemoryCacheStore,
  cacheFingerprint,
  executePipeline,
  type CacheKey,
} from '../../../kernel-lib/src/engine/runner';
import { DATASET, PRELUDE, WRITE, eventLog, node, pipeline, task, tempDir } from './helpers';

/**
 * produce(text) -> out, consume(out) -> size, and an uncached `always` task; each appends its
 * name to a side-effect file when it really runs.
 */
function cacheSpec(sideEffects: string) {
  const produce = `${PRELUDE} ${WRITE}
    fs.appendFileSync(argv[2], 'produce\\n');
    write(argv[1], argv[0]);`;
  const consume = `${PRELUDE} ${WRITE}
    fs.appendFileSync(argv[2], 'consume\\n');
    write(argv[1], String(fs.readFileSync(argv[0], 'utf8').length));`;
  const always = `${PRELUDE} fs.appendFileSync(argv[0], 'always\\n');`;
  return pipeline({
    name: 'cached',
    components: {
      produce: {
        inputs: { parameters: { text: { parameterType: 'STRING' } } },
        outputs: { artifacts: { out: DATASET } },
        container: {
          image: 'x',
          command: node(produce),
          args: [
            "{{$.inputs.parameters['text']}}",
            "{{$.outputs.artifacts['out'].path}}",
            sideEffects,
          ],
        },
      },
      consume: {
        inputs: { artifacts: { data: DATASET } },
        outputs: { parameters: { size: { parameterType: 'NUMBER_INTEGER' } } },
        container: {
          image: 'x',
          command: node(consume),
          args: [
            "{{$.inputs.artifacts['data'].path}}",
            "{{$.outputs.parameters['size'].output_file}}",
            sideEffects,
          ],
        },
      },
      always: { container: { image: 'x', command: node(always), args: [sideEffects] } },
    },
    tasks: {
      produce: task('produce', {
        cachingOptions: { enableCache: true },
        inputs: { parameters: { text: { componentInputParameter: 'text' } } },
      }),
      consume: task('consume', {
        cachingOptions: { enableCache: true },
        inputs: {
          artifacts: {
            data: { taskOutputArtifact: { producerTask: 'produce', outputArtifactKey: 'out' } },
          },
        },
      }),
      always: task('always', { cachingOptions: {} }),
    },
    inputs: { parameters: { text: { parameterType: 'STRING' } } },
  });
}

function ranSince(file: string, before: number): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(before).sort();
}

describe('caching', () => {
  it('reuses outputs on a hit without running, and misses when an input changes', async () => {
    const dir = tempDir();
    const sideEffects = path.join(dir, 'ran.txt');
    const spec = cacheSpec(sideEffects);
    const cache = new MemoryCacheStore();

    const first = await executePipeline(spec, {
      workDir: tempDir(),
      cache,
      parameters: { text: 'abc' },
      runId: 'first',
    });
    expect(first.state).toBe('SUCCEEDED');
    expect(ranSince(sideEffects, 0)).toEqual(['always', 'consume', 'produce']);
    expect(first.tasks.produce?.cacheFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(first.tasks.always?.cacheFingerprint).toBeUndefined();
    expect(cache.size).toBe(2);

    const { events, onEvent } = eventLog();
    const second = await executePipeline(spec, {
      workDir: tempDir(),
      cache,
      parameters: { text: 'abc' },
      onEvent,
    });
    expect(second.state).toBe('SUCCEEDED');
    expect(second.tasks.produce?.state).toBe('CACHED');
    expect(second.tasks.consume?.state).toBe('CACHED');
    expect(second.tasks.always?.state).toBe('SUCCEEDED');
    expect(ranSince(sideEffects, 3)).toEqual(['always']);
    expect(second.tasks.produce?.cachedFrom).toEqual({ runId: 'first', taskPath: 'produce' });
    expect(second.tasks.produce?.outputs).toEqual(first.tasks.produce?.outputs);
    expect(second.tasks.consume?.outputs.parameters).toEqual({ size: 3 });
    expect(second.tasks.produce?.attempts).toEqual([]);
    expect(
      events.some(
        (e) => e.type === 'task' && e.task.path === 'produce' && e.task.state === 'RUNNING',
      ),
    ).toBe(false);

    const changed = await executePipeline(spec, {
      workDir: tempDir(),
      cache,
      parameters: { text: 'abcd' },
    });
    expect(changed.tasks.produce?.state).toBe('SUCCEEDED');
    expect(changed.tasks.consume?.state).toBe('SUCCEEDED');
    expect(changed.tasks.consume?.outputs.parameters).toEqual({ size: 4 });
    expect(changed.tasks.produce?.cacheFingerprint).not.toBe(first.tasks.produce?.cacheFingerprint);
    expect(ranSince(sideEffects, 4)).toEqual(['always', 'consume', 'produce']);

    const off = await executePipeline(spec, {
      workDir: tempDir(),
      cache,
      parameters: { text: 'abc' },
      enableCaching: false,
    });
    expect(off.tasks.produce?.state).toBe('SUCCEEDED');
    expect(ranSince(sideEffects, 7)).toEqual(['always', 'consume', 'produce']);
  });

  it('keeps entries in a JSON file across store objects, and ignores entries whose files are gone', async () => {
    const dir = tempDir();
    const sideEffects = path.join(dir, 'ran.txt');
    const cacheFile = path.join(dir, 'cache', 'cache.json');
    const spec = cacheSpec(sideEffects);
    const firstDir = tempDir();

    await executePipeline(spec, {
      workDir: firstDir,
      cache: new JsonFileCacheStore(cacheFile),
      parameters: { text: 'x' },
    });
    const stored = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as {
      entries: Record<string, unknown>;
    };
    expect(Object.keys(stored.entries)).toHaveLength(2);

    const second = await executePipeline(spec, {
      workDir: tempDir(),
      cache: new JsonFileCacheStore(cacheFile),
      parameters: { text: 'x' },
    });
    expect(second.tasks.produce?.state).toBe('CACHED');

    fs.rmSync(firstDir, { recursive: true });
    const { events, onEvent } = eventLog();
    const third = await executePipeline(spec, {
      workDir: tempDir(),
      cache: new JsonFileCacheStore(cacheFile),
      parameters: { text: 'x' },
      onEvent,
    });
    expect(third.tasks.produce?.state).toBe('SUCCEEDED');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'warning',
        taskPath: 'produce',
        message: expect.stringMatching(/are gone/),
      }),
    );

    fs.writeFileSync(cacheFile, 'not json');
    const broken = await executePipeline(spec, {
      workDir: tempDir(),
      cache: new JsonFileCacheStore(cacheFile),
      parameters: { text: 'x' },
    });
    expect(broken.state).toBe('SUCCEEDED');
  });

  it('fingerprints the cache-key fields, not run-specific paths', () => {
    const key: CacheKey = {
      inputArtifactNames: { data: { artifactNames: ['file:///a'] } },
      inputParameterValues: { n: 1, s: 'x' },
      outputArtifactsSpec: { model: { type: { schemaTitle: 'system.Model' } } },
      outputParametersSpec: { rmse: 'NUMBER_DOUBLE' },
      containerSpec: {
        image: 'img',
        cmdArgs: ['fit', "{{$.inputs.parameters['n']}}"],
        pvcNames: [],
      },
    };
    const reordered: CacheKey = { ...key, inputParameterValues: { s: 'x', n: 1 } };
    expect(cacheFingerprint(key)).toBe(cacheFingerprint(reordered));
    expect(cacheFingerprint(key)).not.toBe(
      cacheFingerprint({ ...key, inputParameterValues: { n: 2, s: 'x' } }),
    );
    expect(cacheFingerprint(key)).not.toBe(
      cacheFingerprint({ ...key, containerSpec: { ...key.containerSpec, image: 'img:2' } }),
    );
    expect(cacheFingerprint(key, 'custom')).toBe(
      cacheFingerprint({ ...key, inputParameterValues: {} }, 'custom'),
    );
  });
});
