/**
 * The studio's local web server (Node only): the page, the host's compiled modules from
 * dist/host, build/hetsyn.wasm, and the crc package's calculator files that the page's import map
 * names. Nothing else is served and nothing comes from the network; it listens on 127.0.0.1 only.
 */

import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_STUDIO_PORT = 8737;
const STUDIO_HOST = '127.0.0.1';

/** The package root, from dist/host/studio/server.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The folder of the crc package's ES module build (where its calculators are), as Node resolves it. */
function crcModuleDir(): string {
  return dirname(dirname(fileURLToPath(import.meta.resolve('crc/calculators/crc32'))));
}

/** URL prefix -> folder on disk; only files with a type in TYPES are served from them. */
function mounts(): [string, string][] {
  return [
    ['/static/', join(ROOT, 'host/studio/static')],
    ['/dist/host/', join(ROOT, 'dist/host')],
    ['/build/', join(ROOT, 'build')],
    ['/vendor/crc/', crcModuleDir()],
  ];
}

/** The file behind a URL path, or undefined (outside every mount, a traversal, an unknown type). */
export function resolveStudioPath(urlPath: string, table: [string, string][] = mounts()): string | undefined {
  const path = urlPath === '/' ? '/static/index.html' : urlPath;
  for (const [prefix, dir] of table) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(path.slice(prefix.length))));
    if (!file.startsWith(dir + sep) || !(extname(file) in TYPES)) return undefined;
    return file;
  }
  return undefined;
}

/** Starts the server on `port` (0: any free one); resolves once it listens, with its URL. */
export function startStudioServer(port: number): Promise<{ server: Server; url: string }> {
  const table = mounts();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${STUDIO_HOST}`);
    const file =
      request.method === 'GET' || request.method === 'HEAD'
        ? resolveStudioPath(url.pathname, table)
        : undefined;
    const notFound = (): void => {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`not found: ${url.pathname}\n`);
    };
    if (!file) {
      notFound();
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => notFound(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, STUDIO_HOST, () => {
      server.off('error', reject);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ server, url: `http://${STUDIO_HOST}:${actual}/` });
    });
  });
}
