/**
 * Reading the pipeline out of a `.zip` package (which KFP accepts) with Node's zlib only: the
 * central directory is read, `pipeline.yaml` (or else the first `.yaml`/`.yml`/`.json` member)
 * is inflated, never past a size limit. Encrypted and ZIP64 archives are refused.
 */
import * as zlib from 'node:zlib';
import { PipelineLoadError } from '../../errors';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const CANDIDATE = /\.(ya?ml|json)$/i;

/** True when the bytes start like a zip archive. */
export function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === LOCAL_SIGNATURE;
}

interface Member {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function findEndOfCentralDirectory(bytes: Buffer): number {
  const earliest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= earliest; i--) {
    if (bytes.readUInt32LE(i) === EOCD_SIGNATURE) return i;
  }
  return -1;
}

function members(bytes: Buffer, label: string): Member[] {
  const bad = (what: string): never => {
    throw new PipelineLoadError(`${label}: not a valid zip file (${what}).`, { file: label });
  };
  const eocd = findEndOfCentralDirectory(bytes);
  if (eocd < 0) bad('no end of central directory record');
  const count = bytes.readUInt16LE(eocd + 10);
  let offset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) {
    throw new PipelineLoadError(
      `${label}: ZIP64 archives are not supported; a pipeline package is small.`,
      {
        file: label,
      },
    );
  }
  const list: Member[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== CENTRAL_SIGNATURE) {
      bad('truncated central directory');
    }
    const nameLength = bytes.readUInt16LE(offset + 28);
    const extraLength = bytes.readUInt16LE(offset + 30);
    const commentLength = bytes.readUInt16LE(offset + 32);
    list.push({
      flags: bytes.readUInt16LE(offset + 8),
      method: bytes.readUInt16LE(offset + 10),
      compressedSize: bytes.readUInt32LE(offset + 20),
      size: bytes.readUInt32LE(offset + 24),
      localOffset: bytes.readUInt32LE(offset + 42),
      name: bytes.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return list;
}

function extract(bytes: Buffer, member: Member, label: string, limit: number): Buffer {
  const where = `${label} (member ${member.name})`;
  if ((member.flags & 1) !== 0) {
    throw new PipelineLoadError(`${where}: encrypted zip members are not supported.`, {
      file: label,
    });
  }
  if (member.size > limit) {
    throw new PipelineLoadError(
      `${where}: the member unpacks to ${member.size} bytes, more than the ${limit} allowed.`,
      {
        file: label,
      },
    );
  }
  const local = member.localOffset;
  if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== LOCAL_SIGNATURE) {
    throw new PipelineLoadError(`${where}: not a valid zip file (bad local header).`, {
      file: label,
    });
  }
  const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
  const data = bytes.subarray(start, start + member.compressedSize);
  if (data.length !== member.compressedSize) {
    throw new PipelineLoadError(`${where}: the zip file is truncated.`, { file: label });
  }
  if (member.method === 0) return Buffer.from(data);
  if (member.method !== 8) {
    throw new PipelineLoadError(
      `${where}: compression method ${member.method} is not supported (only stored and deflate).`,
      {
        file: label,
      },
    );
  }
  try {
    return zlib.inflateRawSync(data, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PipelineLoadError(
        `${where}: the member unpacks to more than the ${limit} bytes allowed (its header claims ${member.size}); a compiled pipeline is far smaller, so this is not one.`,
        { file: label },
        { cause: error },
      );
    }
    throw new PipelineLoadError(
      `${where}: the member could not be inflated (${error instanceof Error ? error.message : String(error)}).`,
      { file: label },
      { cause: error },
    );
  }
}

/**
 * The pipeline file inside a zip package.
 *
 * @throws {@link PipelineLoadError} saying what is wrong with the archive.
 */
export function readZipPipeline(
  bytes: Buffer,
  label: string,
  limit: number,
): { member: string; body: Buffer } {
  const files = members(bytes, label).filter((m) => !m.name.endsWith('/'));
  const chosen =
    files.find((m) => m.name === 'pipeline.yaml') ?? files.find((m) => CANDIDATE.test(m.name));
  if (chosen === undefined) {
    const names = files.map((m) => `'${m.name}'`).join(', ') || 'none';
    throw new PipelineLoadError(
      `${label}: the zip archive holds no pipeline.yaml and no other .yaml, .yml or .json file (members: ${names}).`,
      { file: label },
    );
  }
  return { member: chosen.name, body: extract(bytes, chosen, label, limit) };
}
