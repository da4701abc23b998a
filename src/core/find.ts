/**
 * RequestFindInteractions (lifecycle.md §6): a search of a tenant's interactions by the condition language, in an
 * order, capped. The condition must name the queues it searches (`Queue = 'X'`, `Queue IN (...)`, possibly with other
 * terms under AND): the search reads those queues' interactions through the per-queue index and never walks every
 * interaction (decided where the contract is silent).
 */
import { ConditionParseError } from '../condition/index.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { KvPair } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import { checkTenantConfigured, requiredTenant, type Ctx } from './context.ts';
import { byOrderThenId, compileQuery, matchingIn, NAME_THE_QUEUES, type Query } from './query.ts';
import { propertiesList } from './render.ts';

/** At most this many interactions in one EventInteractionsFound. */
export const MAX_FOUND = 500;

export function findInteractions(ctx: Ctx<'RequestFindInteractions'>): void {
  const { s, tx, core, a, m } = ctx;
  const tenantId = requiredTenant(m);
  checkTenantConfigured(ctx, tenantId);
  if (!a.Condition)
    throw new ProtocolError('Error_find_condition_or_order_failed', 'RequestFindInteractions needs a Condition');
  let q: Query;
  try {
    q = compileQuery(a.Condition, a.Order ?? 'SubmittedAt ASC', tx.nowMs);
  } catch (e) {
    if (e instanceof ConditionParseError) throw new ProtocolError('Error_find_condition_or_order_failed', e.message);
    throw e;
  }
  if (q.queues === undefined) throw new ProtocolError('Error_find_condition_or_order_failed', NAME_THE_QUEUES);
  const max = Math.max(0, Math.min(a.FindMaxInteractions ?? MAX_FOUND, MAX_FOUND));
  const found = matchingIn(core.state, q.queues, q, (ix) => ix.tenantId === tenantId);
  found.sort(byOrderThenId(q));
  const list: KvPair[] = found
    .slice(0, max)
    .map((ix) => ({ key: ix.id, value: a.FindIdsOnly === true ? [] : propertiesList(ix) }));
  tx.send(
    s.id,
    isMsg('EventInteractionsFound', {
      ReferenceId: a.ReferenceId,
      Interactions: list,
      HaveMoreInteractions: found.length > max,
    }),
  );
}
