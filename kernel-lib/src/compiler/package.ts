/**
 * Pipeline packages: the files a compiled pipeline is written to and read back from. A package is
 * the PipelineSpec as YAML (what `kfp` writes), as JSON, or as a gzip'd tar holding a single
 * `pipeline.yaml` (the layout of the KFP sample's `chicago.pipeline.tar.gz`).
 *
 * Loading treats its input as untrusted: archives are checked for path traversal and links, and
 * nothing is unpacked or buffered past a size limit.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { LineCounter, parseAllDocuments } from 'yaml';
import { PipelabError, PipelineLoadError, PipelineWriteError, UsageError } from '../errors';
import type { PipelineSpec } from './spec';
import { validatePipelineSpec } from './validate';
import { pipelineToJson, pipelineToYaml } from './yaml';

/** The file formats a pipeline package can have. */
export type PackageFormat = 'yaml' | 'json' | 'tar.gz';

/** The name of the PipelineSpec inside a `.tar.gz` package. */
export const ARCHIVE_MEMBER = 'pipeline.yaml';

/** The default {@link LoadPipelineOptions.maxUnpackedBytes}: 32 MiB. */
export const DEFAULT_MAX_UNPACKED_BYTES = 32 * 1024 * 1024;

/** Fixed member timestamp, so packing the same pipeline twice gives the same bytes. */
const ARCHIVE_MTIME = new Date(0);

const EXTENSIONS: readonly [string, PackageFormat][] = [
  ['.tar.gz', 'tar.gz'],
  ['.tgz', 'tar.gz'],
  ['.yaml', 'yaml'],
  ['.yml', 'yaml'],
  ['.json', 'json'],
];

const gzip = promisify(zlib.gzip);

/**
 * The package format a file name asks for, from its extension (case-insensitive): `.yaml`/`.yml`,
 * `.json`, or `.tar.gz`/`.tgz`.
 *
 * @param filePath - The output path.
 * @throws {@link UsageError} for any other extension, listing the allowed ones.
 */
export function formatFromPath(filePath: string): PackageFormat {
  const lower = filePath.toLowerCase();
  const match = EXTENSIONS.find(([extension]) => lower.endsWith(extension));
  if (match === undefined) {
    throw new UsageError(
      `Cannot tell which package format to write for '${filePath}': the file name must end in ${EXTENSIONS.map(([e]) => e).join(', ')}`,
    );
  }
  return match[1];
}

async function tarGz(member: string, body: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry(
    {
      name: member,
      size: body.length,
      mode: 0o644,
      mtime: ARCHIVE_MTIME,
      type: 'file',
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
    },
    body,
  );
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzip(Buffer.concat(chunks), { level: 9 });
}

/**
 * The bytes of a pipeline package. YAML and JSON are UTF-8 text ending with a newline; `tar.gz`
 * is a gzip'd ustar archive with one member, `pipeline.yaml` (mode 0644, mtime 0), so the same
 * pipeline always packs to the same bytes.
 *
 * @param spec - The compiled pipeline.
 * @param format - The package format.
 * @throws {@link PipelineDefinitionError} if the spec cannot be serialized.
 */
export async function packPipeline(spec: PipelineSpec, format: PackageFormat): Promise<Buffer> {
  switch (format) {
    case 'yaml':
      return Buffer.from(pipelineToYaml(spec), 'utf8');
    case 'json':
      return Buffer.from(`${pipelineToJson(spec)}\n`, 'utf8');
    case 'tar.gz':
      return tarGz(ARCHIVE_MEMBER, Buffer.from(pipelineToYaml(spec), 'utf8'));
    default:
      throw new UsageError(
        `Unknown package format '${String(format)}': use 'yaml', 'json' or 'tar.gz'`,
      );
  }
}

/** Options for {@link writePipelinePackage}. */
export interface WritePipelineOptions {
  /** The package format. @default taken from the file extension by {@link formatFromPath} */
  format?: PackageFormat;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function writeFailure(target: string, error: unknown, pipelineName: unknown): PipelineWriteError {
  const reason =
    errorCode(error) === 'EISDIR'
      ? 'a directory with that name is in the way'
      : errorCode(error) === 'ENOTDIR'
        ? 'a parent of that path is a file, not a directory'
        : errorCode(error) === 'EACCES' || errorCode(error) === 'EPERM'
          ? 'permission denied'
          : error instanceof Error
            ? error.message
            : String(error);
  return new PipelineWriteError(
    `Could not write the pipeline package '${target}': ${reason}`,
    { file: target, ...(typeof pipelineName === 'string' ? { pipeline: pipelineName } : {}) },
    { cause: error },
  );
}

/**
 * Writes a pipeline package atomically: the package is serialized first, then written to a
 * temporary file next to the target, flushed to disk and renamed over the target. On any failure
 * the temporary file is removed, so there is never a partial package and an existing file at the
 * target is left as it was. Missing parent directories are created.
 *
 * @param spec - The compiled pipeline.
 * @param filePath - Where to write it.
 * @param options - See {@link WritePipelineOptions}.
 * @throws {@link UsageError} for an unknown extension, {@link PipelineDefinitionError} if the spec
 *   cannot be serialized, {@link PipelineWriteError} (code `PACKAGE_WRITE_FAILED`) if the file system
 *   refuses.
 */
export async function writePipelinePackage(
  spec: PipelineSpec,
  filePath: string,
  options: WritePipelineOptions = {},
): Promise<void> {
  const format = options.format ?? formatFromPath(filePath);
  const data = await packPipeline(spec, format);
  const target = path.resolve(filePath);
  const directory = path.dirname(target);
  const temp = path.join(
    directory,
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let created = false;
  try {
    await fs.mkdir(directory, { recursive: true });
    const handle = await fs.open(temp, 'wx', 0o644);
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
    created = false;
  } catch (error) {
    if (created) await fs.rm(temp, { force: true }).catch(() => undefined);
    throw writeFailure(filePath, error, spec.pipelineInfo?.name);
  }
  // Make the rename itself durable; not every platform lets a directory be fsync'd.
  try {
    const dir = await fs.open(directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // best effort
  }
}

/** Options for {@link loadPipelinePackage}. */
export interface LoadPipelineOptions {
  /** The name to use for the package in error messages. @default the path, or `<bytes>` */
  name?: string;
  /**
   * The most bytes the package may unpack to (the text itself, or the decompressed archive); the
   * loader stops reading and fails as soon as this is exceeded. @default 32 MiB
   */
  maxUnpackedBytes?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function tooLarge(label: string, limit: number, what: string): PipelineLoadError {
  return new PipelineLoadError(
    `${label}: ${what} more than ${formatBytes(limit)}, the limit for a pipeline package (maxUnpackedBytes = ${limit}); a compiled pipeline is far smaller, so this is probably not one`,
    { file: label },
  );
}

/** Takes an async chunk source apart into its first bytes and the rest. */
async function peek(
  chunks: AsyncIterator<Uint8Array>,
  atLeast: number,
): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < atLeast) {
    const step = await chunks.next();
    if (step.done) return { head: Buffer.concat(parts), done: true };
    const chunk = Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength);
    parts.push(chunk);
    length += chunk.length;
  }
  return { head: Buffer.concat(parts), done: false };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function* prepend(head: Buffer, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  for (let step = await rest.next(); !step.done; step = await rest.next()) yield step.value;
}

/** Why an archive member may not be read, or undefined if it is a safe relative file name. */
function unsafeMember(header: tar.Header): string | undefined {
  const name = header.name;
  if (name === '') return 'has an empty name';
  if (/^[/\\]/.test(name) || /^[A-Za-z]:/.test(name)) {
    return 'has an absolute path; package members must be relative file names such as pipeline.yaml';
  }
  if (name.split(/[/\\]/).includes('..')) {
    return "has a '..' path segment that would escape the archive; package members must be plain relative file names";
  }
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
    case 'directory':
      return undefined;
    case 'symlink':
      return `is a symbolic link (to '${header.linkname}'); packages may hold only regular files`;
    case 'link':
      return `is a hard link (to '${header.linkname}'); packages may hold only regular files`;
    default:
      return `is a ${header.type}; packages may hold only regular files`;
  }
}

function normalizedMemberName(name: string): string {
  return name.replace(/^(\.\/)+/, '');
}

const CANDIDATE = /\.(ya?ml|json)$/i;

/** Reads the PipelineSpec member out of a gzip'd tar stream, never unpacking past `limit`. */
async function readArchive(
  source: Readable,
  label: string,
  limit: number,
): Promise<{ member: string; body: Buffer }> {
  const members: string[] = [];
  const candidates: { member: string; body: Buffer }[] = [];
  let unpacked = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      unpacked += chunk.length;
      if (unpacked > limit) callback(tooLarge(label, limit, 'the archive unpacks to'));
      else callback(null, chunk);
    },
  });
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    stream.on('error', () => undefined); // the pipeline reports the error
    const problem = unsafeMember(header);
    if (problem !== undefined) {
      next(
        new PipelineLoadError(`${label}: archive member '${header.name}' ${problem}`, {
          file: label,
        }),
      );
      return;
    }
    if (header.type === 'directory') {
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    const name = normalizedMemberName(header.name);
    members.push(name);
    if (header.size > limit) {
      next(tooLarge(label, limit, `archive member '${header.name}' is`));
      return;
    }
    if (!CANDIDATE.test(name)) {
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    const parts: Buffer[] = [];
    stream.on('data', (chunk: unknown) => parts.push(chunk as Buffer));
    stream.on('end', () => {
      candidates.push({ member: name, body: Buffer.concat(parts) });
      next();
    });
  });

  try {
    await pipeline(source, zlib.createGunzip(), counter, extract);
  } catch (error) {
    // our own errors, and read errors of the file itself, are reported as they are
    if (error instanceof PipelabError || (error as { syscall?: unknown }).syscall !== undefined) {
      throw error;
    }
    const code = errorCode(error);
    const reason = error instanceof Error ? error.message : String(error);
    if (code?.startsWith('Z_')) {
      throw new PipelineLoadError(
        `${label}: not a valid gzip file (${reason}); the package may be truncated or corrupted`,
        { file: label },
        { cause: error },
      );
    }
    throw new PipelineLoadError(
      `${label}: the file is gzip-compressed but is not a valid tar archive (${reason}); a .tar.gz pipeline package holds a single pipeline.yaml`,
      { file: label },
      { cause: error },
    );
  }

  const named = candidates.filter((c) => c.member === ARCHIVE_MEMBER);
  if (named.length === 1 && named[0] !== undefined) return named[0];
  if (named.length > 1) {
    throw new PipelineLoadError(`${label}: the archive holds ${ARCHIVE_MEMBER} more than once`, {
      file: label,
    });
  }
  if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
  if (members.length === 0) {
    throw new PipelineLoadError(
      `${label}: the archive is empty; a pipeline package holds a single ${ARCHIVE_MEMBER}`,
      { file: label },
    );
  }
  const list = members.map((m) => `'${m}'`).join(', ');
  throw new PipelineLoadError(
    candidates.length === 0
      ? `${label}: the archive holds no ${ARCHIVE_MEMBER} and no other .yaml, .yml or .json file (members: ${list})`
      : `${label}: the archive holds no ${ARCHIVE_MEMBER} and several .yaml/.yml/.json files, so it is unclear which is the pipeline (members: ${list}); name it ${ARCHIVE_MEMBER}`,
    { file: label },
  );
}

/** Reads text from a non-gzip source, failing once it passes `limit` bytes. */
async function readText(
  head: Buffer,
  rest: AsyncIterator<Uint8Array>,
  label: string,
  limit: number,
): Promise<Buffer> {
  const parts = [head];
  let length = head.length;
  if (length > limit) throw tooLarge(label, limit, 'the file is');
  for (let step = await rest.next(); !step.done; step = await rest.next()) {
    length += step.value.byteLength;
    if (length > limit) throw tooLarge(label, limit, 'the file is');
    parts.push(Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength));
  }
  return Buffer.concat(parts);
}

function decodeText(bytes: Buffer, label: string): string {
  const hint = 'a pipeline package is YAML or JSON text, or a .tar.gz holding pipeline.yaml';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new PipelineLoadError(`${label}: the file is UTF-16 text; save it as UTF-8 (${hint})`, {
      file: label,
    });
  }
  if (bytes.includes(0)) {
    throw new PipelineLoadError(
      `${label}: not a pipeline file: it holds binary data (NUL bytes) and is not gzip-compressed; ${hint}`,
      { file: label },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new PipelineLoadError(
      `${label}: not a pipeline file: it is neither UTF-8 text nor gzip-compressed; ${hint}`,
      { file: label },
      { cause: error },
    );
  }
}

/** Parses the first YAML (or JSON) document of a package. */
function parseFirstDocument(text: string, label: string): unknown {
  if (text.trim() === '') {
    throw new PipelineLoadError(
      `${label}: the file is empty; expected a compiled pipeline (YAML or JSON PipelineSpec)`,
      { file: label },
    );
  }
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // not strict JSON: let the YAML parser read it and report where it fails
    }
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  for (const document of list) {
    const [error] = document.errors;
    if (error !== undefined) {
      const position = lineCounter.linePos(error.pos[0]);
      const where = ` at line ${position.line}, column ${position.col}`;
      throw new PipelineLoadError(
        `${label}: not valid YAML${where}: ${error.message}`,
        { file: label },
        { cause: error },
      );
    }
  }
  const first = list[0];
  if (first === undefined || first.contents === null) {
    throw new PipelineLoadError(
      `${label}: the file holds no YAML document; expected a compiled pipeline (PipelineSpec)`,
      { file: label },
    );
  }
  try {
    return first.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    throw new PipelineLoadError(
      `${label}: the YAML could not be read (${error instanceof Error ? error.message : String(error)})`,
      { file: label },
      { cause: error },
    );
  }
}

async function openSource(
  source: string,
  label: string,
): Promise<{ chunks: AsyncIterator<Uint8Array>; close: () => void }> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(source, 'r');
    if ((await handle.stat()).isDirectory()) {
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (error) {
    await handle?.close().catch(() => undefined);
    const code = errorCode(error);
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory, not a pipeline file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : error instanceof Error
              ? error.message
              : String(error);
    throw new PipelineLoadError(
      `${label}: cannot read the pipeline package: ${reason}`,
      {
        file: label,
      },
      { cause: error },
    );
  }
  const stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
  return {
    chunks: (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator](),
    close: () => stream.destroy(),
  };
}

/**
 * Loads a compiled pipeline from a package file or its bytes: YAML or JSON text, or a gzip'd tar
 * (recognized by its magic bytes, whatever the name) holding `pipeline.yaml` or a single
 * `.yaml`/`.yml`/`.json` file. Of a multi-document YAML file (KFP appends a PlatformSpec) the
 * first document is the pipeline. The result is checked with {@link validatePipelineSpec}.
 *
 * The input is treated as untrusted: archive members with absolute paths, `..` segments, links
 * or devices are refused, and reading stops with an error as soon as more than
 * `maxUnpackedBytes` have been unpacked.
 *
 * @param source - A file path, or the package bytes.
 * @param options - See {@link LoadPipelineOptions}.
 * @returns The PipelineSpec.
 * @throws {@link PipelineLoadError} saying what is wrong and where.
 */
export async function loadPipelinePackage(
  source: string | Buffer | Uint8Array,
  options: LoadPipelineOptions = {},
): Promise<PipelineSpec> {
  const limit = options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  if (!Number.isFinite(limit) || limit <= 0) {
    throw new UsageError(`maxUnpackedBytes must be a positive number, got ${limit}`);
  }
  const label = options.name ?? (typeof source === 'string' ? source : '<bytes>');
  const { chunks, close } =
    typeof source === 'string'
      ? await openSource(source, label)
      : { chunks: once(source), close: () => undefined };
  try {
    const { head, done } = await peek(chunks, GZIP_MAGIC.length);
    let member: string | undefined;
    let body: Buffer;
    if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
      const archive = await readArchive(Readable.from(prepend(head, chunks)), label, limit);
      member = archive.member;
      body = archive.body;
    } else {
      body = done && head.length <= limit ? head : await readText(head, chunks, label, limit);
    }
    const where = member === undefined ? label : `${label} (member ${member})`;
    if (body.length === 0) {
      throw new PipelineLoadError(
        `${where}: the file is empty; expected a compiled pipeline (YAML, JSON or .tar.gz)`,
        { file: where },
      );
    }
    return validatePipelineSpec(parseFirstDocument(decodeText(body, where), where), where);
  } catch (error) {
    if (error instanceof PipelabError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PipelineLoadError(
      `${label}: cannot read the pipeline package: ${reason}`,
      { file: label },
      { cause: error },
    );
  } finally {
    close();
  }
}
