/**
 * The multipart upload endpoints of KFP (`/pipelines/upload`, `/pipelines/upload_version`): the
 * package arrives in the form field `uploadfile` (YAML, JSON, .tar.gz or .zip, at most 32 MiB;
 * the limit is enforced while the body streams in). Names come from the query: `name`, else
 * `display_name`, else the file name, as KFP does.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { InvalidArgumentError, PayloadTooLargeError, type ApiError } from '../errors';
import type { EngineContext } from './context';
import { toApiPipeline, toApiPipelineVersion } from './convert';
import { MAX_PACKAGE_BYTES, specFromPackage } from './pipeline-spec';
import type { Router } from './router';

/** The form field holding the package. */
export const UPLOAD_FIELD = 'uploadfile';

/** Room for multipart boundaries and headers around the file. */
const MULTIPART_OVERHEAD = 1024 * 1024;

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `the uploaded file is larger than ${limit} bytes (${limit / (1024 * 1024)} MiB), the limit for a pipeline package.`,
    limit,
    { field: UPLOAD_FIELD },
  );
}

interface UploadedFile {
  fileName: string;
  bytes: Buffer;
}

/** Receives the `uploadfile` part of a multipart body, keeping at most `limit` bytes of it. */
export function receiveUpload(req: IncomingMessage, limit: number): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let file: UploadedFile | undefined;
    let parser: busboy.Busboy;
    const fail = (error: ApiError): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      parser.removeAllListeners('file');
      reject(error);
    };
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data/i.test(contentType)) {
      reject(
        new InvalidArgumentError(
          `expected a multipart/form-data body with the pipeline package in the field '${UPLOAD_FIELD}'; got content-type '${contentType}'.`,
          { field: UPLOAD_FIELD },
        ),
      );
      return;
    }
    // A body declared far larger than the limit is refused before any of it is read.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit + MULTIPART_OVERHEAD) {
      reject(tooLarge(limit));
      return;
    }
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fileSize: limit, files: 4, fields: 32, parts: 40 },
      });
    } catch (error) {
      reject(
        new InvalidArgumentError(
          `malformed multipart/form-data request: ${error instanceof Error ? error.message : String(error)}`,
          { field: UPLOAD_FIELD },
        ),
      );
      return;
    }
    const malformed = (error: unknown): void =>
      fail(
        new InvalidArgumentError(
          `malformed multipart/form-data body: ${error instanceof Error ? error.message : String(error)}`,
          { field: UPLOAD_FIELD },
        ),
      );
    parser.on('file', (name, stream, info) => {
      // A form that ends too early errors the file stream as well as the parser.
      stream.on('error', malformed);
      if (name !== UPLOAD_FIELD || file !== undefined) {
        stream.resume();
        return;
      }
      const parts: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('limit', () => {
        parts.length = 0;
        fail(tooLarge(limit));
      });
      stream.on('end', () => {
        if (!settled) file = { fileName: info.filename ?? '', bytes: Buffer.concat(parts) };
      });
    });
    parser.on('error', malformed);
    parser.on('close', () => {
      if (settled) return;
      if (file === undefined) {
        fail(
          new InvalidArgumentError(`the upload has no file in the form field '${UPLOAD_FIELD}'.`, {
            field: UPLOAD_FIELD,
          }),
        );
        return;
      }
      settled = true;
      resolve(file);
    });
    req.on('error', (error) =>
      fail(
        new InvalidArgumentError(`the upload was interrupted: ${error.message}`, {
          field: UPLOAD_FIELD,
        }),
      ),
    );
    req.pipe(parser);
  });
}

function parseTags(query: URLSearchParams): Record<string, string> | undefined {
  const raw = query.get('tags');
  if (raw === null || raw === '') return undefined;
  let tags: unknown;
  try {
    tags = JSON.parse(raw) as unknown;
  } catch {
    tags = undefined;
  }
  if (
    typeof tags !== 'object' ||
    tags === null ||
    Array.isArray(tags) ||
    Object.values(tags).some((v) => typeof v !== 'string')
  ) {
    throw new InvalidArgumentError('tags must be a JSON object with string keys and values.', {
      field: 'tags',
    });
  }
  return tags as Record<string, string>;
}

export function uploadRoutes(router: Router, engine: EngineContext): void {
  const { store } = engine;

  router.add('POST', '/apis/v2beta1/pipelines/upload', async ({ req, query }) => {
    const tags = parseTags(query);
    const upload = await receiveUpload(req, MAX_PACKAGE_BYTES);
    const spec = await specFromPackage(upload.bytes, upload.fileName || 'uploadfile', UPLOAD_FIELD);
    const displayNameQuery = query.get('display_name') ?? '';
    const name = query.get('name') || displayNameQuery || upload.fileName;
    if (name.trim() === '') {
      throw new InvalidArgumentError(
        'the pipeline needs a name: pass ?name= or upload a file with a file name.',
        {
          field: 'name',
        },
      );
    }
    const displayName = displayNameQuery || name;
    const description = query.get('description') ?? '';
    const created = store.pipelines.createWithVersion(
      { name, display_name: displayName, description, ...(tags ? { tags } : {}) },
      {
        name,
        display_name: displayName,
        description,
        pipeline_spec: JSON.stringify(spec),
        code_source_url: query.get('code_source_url') ?? '',
      },
      engine.now().getTime(),
    );
    return toApiPipeline(created.pipeline);
  });

  router.add('POST', '/apis/v2beta1/pipelines/upload_version', async ({ req, query }) => {
    const tags = parseTags(query);
    const pipelineId = query.get('pipelineid') ?? '';
    if (pipelineId === '') {
      throw new InvalidArgumentError(
        'pipelineid is required: the id of the pipeline the version belongs to.',
        {
          field: 'pipelineid',
        },
      );
    }
    store.pipelines.requirePipeline(pipelineId);
    const upload = await receiveUpload(req, MAX_PACKAGE_BYTES);
    const spec = await specFromPackage(upload.bytes, upload.fileName || 'uploadfile', UPLOAD_FIELD);
    const displayNameQuery = query.get('display_name') ?? '';
    const name = query.get('name') || displayNameQuery || upload.fileName;
    if (name.trim() === '') {
      throw new InvalidArgumentError(
        'the version needs a name: pass ?name= or upload a file with a file name.',
        {
          field: 'name',
        },
      );
    }
    const row = store.pipelines.createVersion(
      pipelineId,
      {
        name,
        display_name: displayNameQuery || name,
        description: query.get('description') ?? '',
        pipeline_spec: JSON.stringify(spec),
        code_source_url: query.get('code_source_url') ?? '',
        ...(tags ? { tags } : {}),
      },
      engine.now().getTime(),
    );
    return toApiPipelineVersion(row);
  });
}
