/**
 * The web dashboard: the files Vite built from web/ into dist/public, served at / by this server (no
 * second server). The files need no key — the page asks for one and calls /v1 with it — and carry a
 * Content-Security-Policy under which the page loads only this server's own files (and, with object
 * storage, the media and faces at its presigned URLs) and calls only this server. GET / is the page
 * only for a plain request: the Alibaba door answers RPC calls at / too, and those always name an
 * Action (in the query, or ACS3's x-acs-action header) or carry credentials.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/api/routes/web.js -> dist/public (vite.config.ts builds there). */
export const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));

/**
 * `storage`: the origins of object storage's presigned URLs (a media's ContentUrl, a face's FaceUrl),
 * which the page's <video> and <img> elements load; none without object storage.
 */
export const contentSecurityPolicy = (storage: string[] = []) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: for photos previewed before an upload.
    ["img-src 'self' blob:", ...storage].join(' '),
    ["media-src 'self'", ...storage].join(' '),
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A request for the page rather than an RPC call of the Alibaba door. */
function isPageRequest(req: IncomingMessage): boolean {
  const query = (req.url ?? '').split('?')[1] ?? '';
  return query === '' && req.headers['x-acs-action'] === undefined && req.headers.authorization === undefined;
}

function secure(reply: FastifyReply, policy = CONTENT_SECURITY_POLICY): FastifyReply {
  return reply
    .header('content-security-policy', policy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

/** `storageOrigins`: object storage's, whose presigned URLs the page may load (contentSecurityPolicy). */
export function webRoutes(app: FastifyInstance, dir = PUBLIC_DIR, storageOrigins: string[] = []): void {
  const policy = contentSecurityPolicy(storageOrigins);
  app.addConstraintStrategy({
    name: 'webPage',
    storage() {
      const handlers = new Map<string, unknown>();
      return { get: (value: string) => (handlers.get(value) ?? null) as never, set: (value: string, store: unknown) => void handlers.set(value, store) };
    },
    deriveConstraint: (req: IncomingMessage) => (isPageRequest(req) ? 'page' : 'rpc'),
    mustMatchWhenDerived: false,
  });
  const built = existsSync(join(dir, 'index.html'));
  const page = { schema: { hide: true }, constraints: { webPage: 'page' } };
  if (!built) {
    app.get('/', page, async (_req, reply) =>
      secure(reply).status(404).type('text/plain; charset=utf-8').send('The web dashboard is not built: run npm run build (it builds web/ into dist/public).'),
    );
    return;
  }
  const files = new Map(
    filesUnder(dir).map((path) => [`/${relative(dir, path).split(sep).join('/')}`, { path, type: TYPES[extname(path)] ?? 'application/octet-stream' }]),
  );
  const index = files.get('/index.html')!;
  app.get('/', page, async (_req, reply) => secure(reply, policy).type(index.type).header('cache-control', 'no-cache').send(readFileSync(index.path)));
  for (const [url, file] of files) {
    if (url === '/index.html') continue;
    // Vite names assets by their content's hash: a changed file is a new URL.
    const cache = url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    app.get(url, { schema: { hide: true } }, async (_req, reply) => secure(reply, policy).type(file.type).header('cache-control', cache).send(readFileSync(file.path)));
  }
}
