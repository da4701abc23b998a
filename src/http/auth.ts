/**
 * Bearer tokens of the HTTP door (docs/http.md): the configured ones, or — when none is configured — one write token
 * the server generates at its first start into `<data-dir>/admin-token` (mode 0600) and reads again at every later
 * start. The token itself is never logged, only where it is.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';

/** One token the HTTP door accepts. */
export interface ApiToken {
  readonly name: string;
  readonly token: string;
  readonly access: 'read' | 'write';
  /** The name its changes are reported with (ActorInfo of a media server). */
  readonly actor: string;
  /** The tenants it may see and change; undefined: every tenant. */
  readonly tenants?: readonly number[];
}

/** The name of the generated token, and of its file in the data dir. */
export const ADMIN_TOKEN_NAME = 'admin';
export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The tokens in force: the configured ones, else the generated admin token (created in `dataDir` when missing).
 * `generated` is the path of the admin token's file when it is in use (for the start-up log).
 */
export function apiTokens(config: Config, dataDir: string): { tokens: ApiToken[]; generated?: string } {
  if (config.http.tokens.length > 0) {
    return {
      tokens: config.http.tokens.map((t) => ({
        name: t.name,
        token: t.token,
        access: t.access,
        actor: t.application ?? t.name,
        ...(t.tenants ? { tenants: t.tenants } : {}),
      })),
    };
  }
  if (dataDir === ':memory:') return { tokens: [] };
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  let token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (token.length < 16) {
    token = randomBytes(24).toString('base64url');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return { tokens: [{ name: ADMIN_TOKEN_NAME, token, access: 'write', actor: ADMIN_TOKEN_NAME }], generated: file };
}

/** The token an `Authorization` header carries, if it is one of `tokens` (compared in constant time). */
export function tokenOf(header: string | undefined, tokens: readonly ApiToken[]): ApiToken | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  const given = Buffer.from(m[1] as string);
  for (const t of tokens) {
    const want = Buffer.from(t.token);
    if (want.length === given.length && timingSafeEqual(want, given)) return t;
  }
  return undefined;
}

/** The token the door's authentication hook accepted, per request (resolved once, read by every route). */
const accepted = new WeakMap<FastifyRequest, ApiToken>();

/** Records the token the authentication hook accepted for a request. */
export function acceptToken(req: FastifyRequest, token: ApiToken): void {
  accepted.set(req, token);
}

/** The token of a request to a path behind the authentication hook (`/api/*`). */
export function requestToken(req: FastifyRequest): ApiToken {
  const t = accepted.get(req);
  if (!t) throw new Error(`${req.url} is not behind the HTTP door's authentication`);
  return t;
}

/** Whether a token may see and act on a tenant's interactions, queues and agents. */
export function seesTenant(token: ApiToken, tenantId: number): boolean {
  return token.tenants === undefined || token.tenants.includes(tenantId);
}
