/**
 * Pipelab additions for artifacts (the ids KFP's task details list): their record,
 * `GET /apis/v2beta1/artifacts/{artifact_id}`, and their content,
 * `GET /apis/v2beta1/artifacts/{artifact_id}:download` or by run, task and output name
 * `GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}/artifacts/{name}:download`. A file is sent as
 * it is; a directory as a .tar.gz.
 */
import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from '../errors';
import { localPathOfUri } from '../runner';
import type { ArtifactRow } from '../store/artifacts';
import type { StoredTaskIO } from '../store/tasks';
import type { EngineContext } from './context';
import { requireTask } from './task-lookup';
import { timestamp } from './proto-json';
import { RESPONDED, type Router } from './router';
import { locateInside } from '../safe-path';

function requireArtifact(engine: EngineContext, raw: string): ArtifactRow {
  if (!/^\d+$/.test(raw)) {
    throw new InvalidArgumentError(`artifact_id must be an integer; got "${raw}".`, {
      field: 'artifact_id',
    });
  }
  const row = engine.store.artifacts.get(Number(raw));
  if (row === undefined) throw new NotFoundError('artifact', raw);
  return row;
}

/** The artifact record as the API shows it. */
export function toApiArtifact(engine: EngineContext, row: ArtifactRow): Record<string, unknown> {
  const task = engine.store.tasks.get(row.run_id, row.task_path);
  return {
    artifact_id: String(row.id),
    run_id: row.run_id,
    ...(task ? { task_id: task.task_id } : {}),
    task_path: row.task_path,
    name: row.name,
    uri: row.uri,
    type: {
      schema_title: row.schema_title,
      ...(row.schema_version ? { schema_version: row.schema_version } : {}),
    },
    metadata: JSON.parse(row.metadata) as unknown,
    created_at: timestamp(row.created_at),
    download_url: `/apis/v2beta1/artifacts/${row.id}:download`,
  };
}

/** Packs a directory; symbolic links inside it are left out, so nothing outside it is read. */
async function addDirectory(pack: tar.Pack, root: string, relative: string): Promise<void> {
  const entries = await fs.promises.readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const full = path.join(root, rel);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      pack.entry({ name: `${rel}/`, type: 'directory', mode: 0o755 });
      await addDirectory(pack, root, rel);
    } else if (entry.isFile()) {
      const stat = await fs.promises.stat(full);
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(
          { name: rel, size: stat.size, mode: 0o644, mtime: stat.mtime },
          (error) => (error ? reject(error) : resolve()),
        );
        fs.createReadStream(full).on('error', reject).pipe(sink);
      });
    }
  }
}

async function sendArtifact(
  engine: EngineContext,
  res: ServerResponse,
  row: ArtifactRow,
): Promise<void> {
  const uriPath = localPathOfUri(row.uri);
  if (uriPath === undefined) {
    throw new FailedPreconditionError(
      `artifact ${row.id} (${row.uri}) has no local file to download.`,
      {
        resourceType: 'artifact',
        resourceName: String(row.id),
      },
    );
  }
  const located = locateInside(engine.realDataDir, uriPath);
  const notOnDisk = (): NotFoundError =>
    new NotFoundError(
      'artifact',
      String(row.id),
      `the content of artifact ${row.id} (${row.uri}) is not on disk.`,
    );
  if (located.kind === 'missing') throw notOnDisk();
  if (located.kind === 'outside') {
    throw new PermissionDeniedError(
      `artifact ${row.id} (${row.uri}) is stored outside the engine's data directory; the engine only serves files below it.`,
      { resourceType: 'artifact', resourceName: String(row.id) },
    );
  }
  const local = located.path;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(local);
  } catch {
    throw notOnDisk();
  }
  // A header value may hold printable ASCII only.
  const base = (path.basename(local) || row.name).replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (!stat.isFile() && !stat.isDirectory()) throw notOnDisk();
  if (stat.isFile()) {
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': stat.size,
      'Content-Disposition': `attachment; filename="${base}"`,
    });
    await pipeline(fs.createReadStream(local), res);
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/gzip',
    'Content-Disposition': `attachment; filename="${base}.tar.gz"`,
  });
  const pack = tar.pack();
  const done = pipeline(pack, zlib.createGzip(), res);
  try {
    await addDirectory(pack, local, '');
    pack.finalize();
  } catch (error) {
    pack.destroy(error instanceof Error ? error : new Error(String(error)));
  }
  await done.catch(() => res.destroy());
}

export function artifactRoutes(router: Router, engine: EngineContext): void {
  router.add('GET', '/apis/v2beta1/artifacts/{artifact_id}', ({ params }) =>
    toApiArtifact(engine, requireArtifact(engine, params.artifact_id ?? '')),
  );

  router.add('GET', '/apis/v2beta1/artifacts/{artifact_id}:download', async ({ res, params }) => {
    await sendArtifact(engine, res, requireArtifact(engine, params.artifact_id ?? ''));
    return RESPONDED;
  });

  router.add(
    'GET',
    '/apis/v2beta1/runs/{run_id}/tasks/{task_id}/artifacts/{name}:download',
    async ({ res, params }) => {
      const runId = params.run_id ?? '';
      const task = requireTask(engine, runId, params.task_id ?? '');
      const outputs = JSON.parse(task.outputs) as StoredTaskIO;
      const output = outputs.artifacts[params.name ?? ''];
      if (output === undefined) {
        throw new NotFoundError(
          'artifact',
          params.name ?? '',
          `task '${task.path}' has no output artifact '${params.name ?? ''}'.`,
        );
      }
      await sendArtifact(engine, res, requireArtifact(engine, String(output.artifact_id)));
      return RESPONDED;
    },
  );
}
