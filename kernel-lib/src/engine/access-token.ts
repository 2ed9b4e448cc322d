/**
 * The engine's access token: 32 random bytes, base64url, created at the first start in
 * `<dataDir>/token` with mode 0600 and reused by later starts. Every API call but healthz must
 * present it; clients on this machine read it from the file (`Client({ dataDir })`).
 *
 * The file is written under a temporary name, synced, then linked into place, so a crash never
 * leaves a half-written token behind and two engines starting at once agree on one token.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AccessTokenError } from './errors';
import { messageOf } from './runner/errors';

/** The name of the access token file in the data directory. */
export const ACCESS_TOKEN_FILE = 'token';

/** The fewest characters an access token may have (a generated one has 43). */
export const MIN_TOKEN_LENGTH = 16;

/** The path of the access token file of a data directory. */
export function accessTokenPath(dataDir: string): string {
  return path.join(dataDir, ACCESS_TOKEN_FILE);
}

/** A new random token: 32 bytes, base64url (43 characters). */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Permissions are only meaningful where POSIX modes are. */
const POSIX = process.platform !== 'win32';

/**
 * Opening without following a symbolic link, where the platform can: the file checked is the
 * file read.
 */
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

function readExisting(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw notRegular(file);
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || (NO_FOLLOW === 0 && fs.lstatSync(file).isSymbolicLink())) {
      throw notRegular(file);
    }
    if (POSIX) {
      const loose = stat.mode & 0o077;
      if (loose !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
        throw new AccessTokenError(
          `the access token file ${file} has mode ${mode}: other users can read or change it. Run \`chmod 600 ${file}\` (or delete it to get a new token), then start the engine again.`,
          file,
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && stat.uid !== uid) {
        throw new AccessTokenError(
          `the access token file ${file} belongs to another user (uid ${stat.uid}); the engine only trusts a token file of its own user (uid ${uid}).`,
          file,
        );
      }
    }
    const token = fs.readFileSync(fd, 'utf8').trim();
    if (token === '') {
      throw new AccessTokenError(
        `the access token file ${file} is empty; delete it and start the engine again to create a new token.`,
        file,
      );
    }
    if (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      throw new AccessTokenError(
        `the access token in ${file} must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces; delete the file and start the engine again to create a new token.`,
        file,
      );
    }
    return token;
  } finally {
    fs.closeSync(fd);
  }
}

function notRegular(file: string): AccessTokenError {
  return new AccessTokenError(
    `the access token file ${file} is not a regular file (a symbolic link or a directory); remove it and start the engine again to create a new token.`,
    file,
  );
}

function writeNew(dataDir: string, file: string): string {
  const token = newAccessToken();
  const temp = path.join(
    dataDir,
    `.${ACCESS_TOKEN_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    // The umask may only take bits away, but a file system may ignore the mode: set it again.
    if (POSIX) fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, `${token}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    // link, unlike rename, fails when another engine created the file meanwhile: its token wins.
    fs.linkSync(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return readExisting(file);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    fs.renameSync(temp, file); // A file system without hard links.
  } finally {
    fs.rmSync(temp, { force: true });
  }
  try {
    const dir = fs.openSync(dataDir, 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } catch {
    // Directories cannot be synced on every platform; the file itself is synced.
  }
  return token;
}

/** The access token of a data directory, and whether it was created now. */
export interface AccessToken {
  readonly token: string;
  readonly file: string;
  readonly created: boolean;
}

/**
 * Reads the data directory's access token, creating it at the first start.
 *
 * @throws {@link AccessTokenError} when the file exists but is readable by other users, empty,
 *   too short, not a regular file, or cannot be read or written.
 */
export function loadOrCreateAccessToken(dataDir: string): AccessToken {
  const file = accessTokenPath(dataDir);
  try {
    return { token: readExisting(file), file, created: false };
  } catch (error) {
    if (error instanceof AccessTokenError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AccessTokenError(
        `cannot read the access token file ${file}: ${messageOf(error)}`,
        file,
        {
          cause: error,
        },
      );
    }
  }
  try {
    return { token: writeNew(dataDir, file), file, created: true };
  } catch (error) {
    if (error instanceof AccessTokenError) throw error;
    throw new AccessTokenError(
      `cannot create the access token file ${file}: ${messageOf(error)}`,
      file,
      {
        cause: error,
      },
    );
  }
}
