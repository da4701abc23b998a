/** Errors of the HTTP door as RFC 9457 problem details (`application/problem+json`). */
import type { FastifyReply } from 'fastify';
import { errorCode, type ErrorName } from '../protocol/errors.ts';

/** What a problem+json body says. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** The registry's error, when one names the cause. */
  readonly error?: ErrorName;
}

/** Sends an RFC 9457 problem: `{type, title, status, detail, errorCode?, errorName?}`. */
export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: p.title,
      status: p.status,
      detail: p.detail,
      ...(p.error === undefined ? {} : { errorCode: errorCode(p.error), errorName: p.error }),
    });
}
