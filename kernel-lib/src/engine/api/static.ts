/**
 * The dashboard: the static page of the JupyterLab extension's views, served at the engine's own
 * origin (run links `<endpoint>/#/runs/details/<id>` open it). Pages need no token — they hold no
 * data and ask for the token themselves; every API call they make still needs it. Only files
 * inside the dashboard folder are ever read.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Where the built dashboard is in this repository (extension/dist/dashboard). */
export function defaultDashboardDir(): string | undefined {
  const dir = path.resolve(__dirname, '..', '..', '..', '..', 'extension', 'dist', 'dashboard');
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

/**
 * Serves a GET or HEAD of a dashboard file; false when the request is not for one (API paths,
 * other methods, unknown files).
 */
export function serveDashboard(
  dir: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): boolean {
  const method = req.method ?? 'GET';
  if ((method !== 'GET' && method !== 'HEAD') || pathname.startsWith('/apis/')) return false;
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return false;
  }
  const root = realpathSync(dir);
  const file = path.resolve(root, `.${relative}`);
  if (!file.startsWith(root + path.sep) || !existsSync(file)) return false;
  const real = realpathSync(file);
  if (!real.startsWith(root + path.sep) || !statSync(real).isFile()) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(real)] ?? 'application/octet-stream',
    'Content-Length': statSync(real).size,
    'Cache-Control': path.basename(real) === 'index.html' ? 'no-cache' : 'max-age=3600',
    'X-Content-Type-Options': 'nosniff',
  });
  if (method === 'HEAD') res.end();
  else createReadStream(real).pipe(res);
  return true;
}
