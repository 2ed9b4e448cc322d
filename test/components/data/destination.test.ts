/**
 * Writing the dataset: files atomically with a metadata sidecar, and gs:// objects in one upload
 * through @google-cloud/storage, against a local server impersonating the Cloud Storage JSON API
 * (multipart upload; the answer carries the object's crc32c and md5Hash, which the client checks).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDatasetCsv, sha256Hex } from '../../../kernel-lib/src/components/data/dataset-csv';
import { METADATA_SUFFIX, writeDataset } from '../../../kernel-lib/src/components/data/destination';
import { DestinationError } from '../../../kernel-lib/src/components/data/errors';
import {
  startContractServer,
  type ContractServer,
  type RecordedRequest,
} from './support/contract-server';
import { tempDir } from './support/temp';

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CSV = formatDatasetCsv([
  { day: '2001-01-01', count: 1821 },
  { day: '2001-01-02', count: 1143 },
]);
const METADATA = { rows: 2, firstDay: '2001-01-01', sha256: sha256Hex(CSV), repairs: [] };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC32C (Castagnoli), base64 of the big-endian value, as Cloud Storage reports it. */
function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

/** Splits a multipart/related body into its parts' bodies. */
function multipartParts(req: RecordedRequest): string[] {
  const type = String(req.headers['content-type']);
  const boundary = /boundary=([^;]+)/.exec(type)?.[1]?.replace(/"/g, '') ?? '';
  return req.body
    .toString()
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''));
}

describe('writing the dataset', () => {
  it('writes a file atomically, its metadata beside it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'out', 'reports.csv');
    expect(await writeDataset(file, CSV, METADATA)).toBe(`file://${file}`);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'count,day\n1821,2001-01-01 00:00:00 UTC\n1143,2001-01-02 00:00:00 UTC\n',
    );
    expect(JSON.parse(fs.readFileSync(`${file}${METADATA_SUFFIX}`, 'utf8'))).toEqual(METADATA);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual([
      'reports.csv',
      'reports.csv.metadata.json',
    ]);

    // file:// URIs too, replacing the previous version whole.
    await writeDataset(`file://${file}`, 'count,day\n', { rows: 0 });
    expect(fs.readFileSync(file, 'utf8')).toBe('count,day\n');
  });

  it('leaves nothing behind when a file cannot be written', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'taken.csv'));
    const error = await writeDataset(path.join(dir, 'taken.csv'), CSV, METADATA).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DestinationError);
    expect(fs.readdirSync(dir)).toEqual(['taken.csv']);
  });

  it('uploads to gs:// in one request, with the metadata on the object', async () => {
    server = await startContractServer((req) => {
      if (req.method !== 'POST' || req.path !== '/upload/storage/v1/b/my-bucket/o') {
        return { status: 404, body: { error: { code: 404, message: 'not found' } } };
      }
      const [meta, content] = multipartParts(req);
      const object = JSON.parse(meta ?? '{}') as Record<string, unknown>;
      const data = Buffer.from(content ?? '');
      return {
        body: {
          kind: 'storage#object',
          bucket: 'my-bucket',
          name: req.query.get('name'),
          size: String(data.length),
          contentType: object.contentType,
          metadata: object.metadata,
          crc32c: crc32c(data),
          md5Hash: crypto.createHash('md5').update(data).digest('base64'),
        },
      };
    });
    const uri = await writeDataset('gs://my-bucket/chicago/reports.csv', CSV, METADATA, {
      storage: { apiEndpoint: server.url, projectId: 'p' },
    });
    expect(uri).toBe('gs://my-bucket/chicago/reports.csv');
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0] as RecordedRequest;
    expect(req.query.get('uploadType')).toBe('multipart');
    expect(req.query.get('name')).toBe('chicago/reports.csv');
    const [meta, content] = multipartParts(req);
    expect(content).toBe(CSV);
    expect(JSON.parse(meta ?? '{}')).toMatchObject({
      contentType: 'text/csv',
      metadata: { rows: '2', firstDay: '2001-01-01', sha256: sha256Hex(CSV), repairs: '[]' },
    });
  });

  it('reports a failed upload, and refuses unknown schemes', async () => {
    server = await startContractServer(() => ({
      status: 403,
      body: { error: { code: 403, message: 'caller does not have storage.objects.create access' } },
    }));
    await expect(
      writeDataset('gs://my-bucket/x.csv', CSV, METADATA, {
        storage: { apiEndpoint: server.url, projectId: 'p', retryOptions: { autoRetry: false } },
      }),
    ).rejects.toThrow(/cannot upload gs:\/\/my-bucket\/x\.csv: .*storage\.objects\.create/);
    await expect(writeDataset('s3://b/x.csv', CSV, METADATA)).rejects.toThrow(
      "unsupported destination 's3://b/x.csv': use a path, a file:// URI or a gs://bucket/object URI.",
    );
  });
});
