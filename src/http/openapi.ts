/**
 * The OpenAPI 3.1 document of the HTTP door (`GET /openapi.json`), generated from the zod schemas the routes validate
 * their bodies with (interactions-api.ts): the document cannot drift from what the server accepts.
 */
import { z } from 'zod';
import { BODIES, RESULTS } from '../protocol/http-api.ts';

type Json = Record<string, unknown>;

/** A component schema of a zod schema (JSON Schema 2020-12, the dialect OpenAPI 3.1 uses). */
function schemaOf(s: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s) as Json;
  return rest;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const problem = (description: string): Json => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const idParam: Json = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const ERRORS: Json = {
  '400': problem('the body or a value is invalid (errorCode names the cause)'),
  '401': problem('no or unknown bearer token'),
  '403': problem('a read token writing, or a tenant the token may not act on'),
  '404': problem('no such interaction (errorCode 43)'),
  '409': problem('the interaction is not in a state that allows it (errorCode names the cause)'),
};

/** A write on one interaction. */
function write(summary: string, body: keyof typeof BODIES, result: keyof typeof RESULTS, extra: Json = {}): Json {
  return {
    post: {
      summary,
      parameters: [idParam],
      requestBody: { required: body !== 'StopBody', content: json(ref(body)) },
      responses: { '200': { description: 'done (after commit)', content: json(ref(result)) }, ...ERRORS },
      ...extra,
    },
  };
}

/** The whole document. */
export function openApiDocument(): Json {
  const schemas: Json = {
    Problem: {
      type: 'object',
      required: ['type', 'title', 'status', 'detail'],
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        errorCode: { type: 'integer', description: 'the Genesys error registry code' },
        errorName: { type: 'string' },
      },
    },
  };
  for (const [name, s] of Object.entries(BODIES)) schemas[name] = schemaOf(s);
  for (const [name, s] of Object.entries(RESULTS)) schemas[name] = schemaOf(s);
  return {
    openapi: '3.1.0',
    info: {
      title: 'IXS HTTP API',
      version: '0.1.0',
      description:
        'The HTTP door of IXS, the open Interaction Server. Every /api path needs Authorization: Bearer <token>; ' +
        'writes need a write token and are answered after they are committed.',
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/interactions': {
        get: {
          summary: "Search with the condition language; the condition names its queues (Queue = 'X' / Queue IN (...))",
          parameters: [
            { name: 'condition', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'order', in: 'query', schema: { type: 'string', default: 'SubmittedAt ASC' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: '{items, nextCursor}' }, '400': ERRORS['400'] },
        },
        post: {
          summary: 'Submit an interaction (RequestSubmit)',
          requestBody: { required: true, content: json(ref('SubmitBody')) },
          responses: {
            '201': {
              description: 'submitted; ETag is its version',
              headers: { ETag: { schema: { type: 'string' } }, Location: { schema: { type: 'string' } } },
              content: json(ref('WriteResult')),
            },
            ...ERRORS,
          },
        },
      },
      '/api/interactions/{id}': {
        get: {
          summary: 'Read an interaction (its properties and version; ETag is the version)',
          parameters: [idParam],
          responses: {
            '200': { description: 'the interaction', content: json({ type: 'object' }) },
            '401': ERRORS['401'],
            '404': ERRORS['404'],
          },
        },
      },
      '/api/interactions/{id}/properties': {
        patch: {
          summary: 'Change properties (RequestChangeProperties); If-Match: "<version>" checks the version',
          parameters: [
            idParam,
            { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, example: '"3"' },
          ],
          requestBody: { required: true, content: json(ref('PropertiesBody')) },
          responses: {
            '200': { description: 'changed; ETag is the new version', content: json(ref('WriteResult')) },
            ...ERRORS,
            '412': problem('If-Match names another version than the current one (errorCode 89)'),
          },
        },
      },
      '/api/interactions/{id}/stop': write('Stop processing (RequestStopProcessing)', 'StopBody', 'StopResult'),
      '/api/interactions/{id}/place-in-queue': write(
        'Place in a queue (RequestPlaceInQueue)',
        'PlaceInQueueBody',
        'WriteResult',
      ),
      '/api/interactions/{id}/place-in-workbin': write(
        'Place in a workbin (RequestPlaceInWorkbin)',
        'PlaceInWorkbinBody',
        'WriteResult',
      ),
      '/api/interactions/{id}/history': {
        get: {
          summary: 'The property history (oldest first), or with ?version=N the properties at version N',
          parameters: [idParam, { name: 'version', in: 'query', required: false, schema: { type: 'integer' } }],
          responses: {
            '200': { description: '{interactionId, items} or {interactionId, version, userData}' },
            '404': ERRORS['404'],
          },
        },
      },
      '/api/events/stream': {
        get: {
          summary: 'The durable event log as server-sent events (id = seq); resumes after Last-Event-ID or ?after=',
          parameters: [
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer' } },
            { name: 'after', in: 'query', schema: { type: 'integer' } },
            { name: 'name', in: 'query', schema: { type: 'string' }, description: 'message names, comma-separated' },
            { name: 'interactionId', in: 'query', schema: { type: 'string' } },
            { name: 'queue', in: 'query', schema: { type: 'string' } },
            { name: 'agentId', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'text/event-stream' }, '400': problem('a position that is not a seq') },
        },
      },
      '/api/queues': {
        get: {
          summary: 'Queues with their waiting counts, oldest waiting (oldestSince, oldestAgeSeconds) and views',
          responses: { '200': { description: '{items}' } },
        },
      },
      '/api/agents': {
        get: {
          summary: 'Logged-in agents: state, load and capacity per media',
          responses: { '200': { description: '{items}' } },
        },
      },
      '/api/config': {
        get: { summary: 'The configuration in force (tokens masked)', responses: { '200': { description: 'ok' } } },
      },
      '/api/sessions': {
        get: { summary: 'The registered client sessions', responses: { '200': { description: 'ok' } } },
      },
      '/api/sessions/{id}': {
        delete: {
          summary: 'Force a client off',
          parameters: [idParam],
          responses: { '200': { description: 'forced off' }, '404': problem('no such session (errorCode 3)') },
        },
      },
      '/api/events': {
        get: {
          summary: 'A page of the durable event log',
          parameters: [
            { name: 'after', in: 'query', schema: { type: 'integer' } },
            { name: 'interactionId', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 10_000 } },
          ],
          responses: { '200': { description: 'events in seq order' } },
        },
      },
    },
  };
}
