/**
 * The dashboard at `/` (docs/http.md): the files `npm run build` compiled from `dashboard/` into `dist/dashboard`,
 * served as they are. The page itself holds no data: it calls the API with the user's token.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the built dashboard is, from the sources (src/http) or from the compiled build (dist/http). */
function dashboardDir(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? '../../dist/dashboard/' : '../dashboard/', import.meta.url).pathname;
}

export function dashboard(app: FastifyInstance): void {
  const dir = dashboardDir();
  app.get('/', async (_req, reply) => {
    const index = `${dir}index.html`;
    if (!existsSync(index))
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run `npm run build` (or `npm start`, which builds it).\n');
    return reply.type(TYPES['.html'] as string).send(readFileSync(index));
  });
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    // One flat folder of hashed file names: nothing outside it can be named.
    const file = basename(req.params.file);
    const path = `${dir}assets/${file}`;
    const type = TYPES[extname(file)];
    if (!type || file !== req.params.file || !existsSync(path)) return reply.code(404).send();
    return reply.type(type).header('cache-control', 'public, max-age=31536000, immutable').send(readFileSync(path));
  });
}
