/**
 * The typed REST client of the HTTP door (docs/http.md): one method per operation, its body typed by the same zod
 * schemas the server validates with and the OpenAPI document is generated from (a unit test checks that every
 * method's path and verb is in that document). A problem+json answer rejects with a `ProblemError`.
 */
import type { Body, Result } from '../../../src/protocol/http-api.ts';

type Json = Record<string, unknown>;

/** An error answer of the HTTP door (RFC 9457), with the registry's code where one applies. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errorCode?: number; errorName?: string },
  ) {
    super(`${String(status)} ${problem.title ?? ''}: ${problem.detail ?? ''}`);
  }
  get errorCode(): number | undefined {
    return this.problem.errorCode;
  }
}

/** Every operation the client calls, as `METHOD /path` with `{id}` for the interaction: checked against the OpenAPI document. */
export const REST_OPERATIONS = [
  'POST /api/interactions',
  'GET /api/interactions',
  'GET /api/interactions/{id}',
  'PATCH /api/interactions/{id}/properties',
  'GET /api/interactions/{id}/history',
  'POST /api/interactions/{id}/stop',
  'POST /api/interactions/{id}/place-in-queue',
  'POST /api/interactions/{id}/place-in-workbin',
  'GET /api/queues',
  'GET /api/agents',
  'GET /api/events',
] as const;

/** A client of one server with one token. */
export class RestClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  // The answer's type is the operation's (the server's schema), asserted here once for every method.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ body: T; etag: string | null }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : {}) as unknown;
    if (!res.ok) throw new ProblemError(res.status, parsed as ProblemError['problem']);
    return { body: parsed as T, etag: res.headers.get('etag') };
  }

  private static id(id: string): string {
    return encodeURIComponent(id);
  }

  /** Submits an interaction; resolves once it is committed. */
  async submit(body: Body<'SubmitBody'>): Promise<Result<'WriteResult'>> {
    return (await this.call<Result<'WriteResult'>>('POST', '/api/interactions', body)).body;
  }

  /** An interaction's properties and its version (from the ETag). */
  async get(id: string): Promise<{ properties: Json; version: number }> {
    const r = await this.call<Json>('GET', `/api/interactions/${RestClient.id(id)}`);
    return { properties: r.body, version: Number((r.etag ?? '"0"').replace(/"/g, '')) };
  }

  /** Changes properties; with `ifVersion`, only if the interaction is still at that version (else 412). */
  async changeProperties(id: string, body: Body<'PropertiesBody'>, ifVersion?: number): Promise<Result<'WriteResult'>> {
    const headers: Record<string, string> = ifVersion === undefined ? {} : { 'if-match': `"${String(ifVersion)}"` };
    return (
      await this.call<Result<'WriteResult'>>(
        'PATCH',
        `/api/interactions/${RestClient.id(id)}/properties`,
        body,
        headers,
      )
    ).body;
  }

  async stop(id: string, body: Body<'StopBody'> = {}): Promise<Result<'StopResult'>> {
    return (await this.call<Result<'StopResult'>>('POST', `/api/interactions/${RestClient.id(id)}/stop`, body)).body;
  }

  async placeInQueue(id: string, body: Body<'PlaceInQueueBody'>): Promise<Result<'WriteResult'>> {
    return (
      await this.call<Result<'WriteResult'>>('POST', `/api/interactions/${RestClient.id(id)}/place-in-queue`, body)
    ).body;
  }

  async placeInWorkbin(id: string, body: Body<'PlaceInWorkbinBody'>): Promise<Result<'WriteResult'>> {
    return (
      await this.call<Result<'WriteResult'>>('POST', `/api/interactions/${RestClient.id(id)}/place-in-workbin`, body)
    ).body;
  }

  /** The property history, oldest first. */
  async history(id: string): Promise<{ interactionId: string; items: Json[] }> {
    return (
      await this.call<{ interactionId: string; items: Json[] }>('GET', `/api/interactions/${RestClient.id(id)}/history`)
    ).body;
  }

  /** One page of a search; pass the previous page's `nextCursor` for the next. */
  async search(q: {
    condition: string;
    order?: string;
    limit?: number;
    cursor?: string;
  }): Promise<{ items: Json[]; nextCursor: string | null }> {
    const p = new URLSearchParams({ condition: q.condition });
    if (q.order !== undefined) p.set('order', q.order);
    if (q.limit !== undefined) p.set('limit', String(q.limit));
    if (q.cursor !== undefined) p.set('cursor', q.cursor);
    return (await this.call<{ items: Json[]; nextCursor: string | null }>('GET', `/api/interactions?${p.toString()}`))
      .body;
  }

  async queues(): Promise<{ items: Json[] }> {
    return (await this.call<{ items: Json[] }>('GET', '/api/queues')).body;
  }

  async agents(): Promise<{ items: Json[] }> {
    return (await this.call<{ items: Json[] }>('GET', '/api/agents')).body;
  }

  /** A page of the durable event log after `after`. */
  async events(q: { after?: number; interactionId?: string; limit?: number } = {}): Promise<Json[]> {
    const p = new URLSearchParams();
    if (q.after !== undefined) p.set('after', String(q.after));
    if (q.interactionId !== undefined) p.set('interactionId', q.interactionId);
    if (q.limit !== undefined) p.set('limit', String(q.limit));
    return (await this.call<Json[]>('GET', `/api/events?${p.toString()}`)).body;
  }
}
