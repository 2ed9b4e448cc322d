/**
 * Reads the files of a `.tar.gz` (the engine's download of a directory artifact) in the browser:
 * `DecompressionStream('gzip')`, then the ustar headers.
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice().buffer as ArrayBuffer])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function text(bytes: Uint8Array, start: number, length: number): string {
  const slice = bytes.subarray(start, start + length);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end < 0 ? slice : slice.subarray(0, end));
}

/** The regular files of a tar archive, by path (without a leading `./`). */
export function untar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= bytes.length) {
    const name = text(bytes, offset, 100);
    if (name === '') break;
    const size = parseInt(text(bytes, offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(bytes[offset + 156] ?? 48);
    const prefix = text(bytes, offset + 345, 155);
    const dataStart = offset + 512;
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = new TextDecoder().decode(data).replace(/\0+$/, '');
    } else {
      const full = longName ?? (prefix !== '' ? `${prefix}/${name}` : name);
      longName = undefined;
      if (type === '0' || type === '\0') files.set(full.replace(/^\.\//, ''), data);
    }
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  return files;
}
