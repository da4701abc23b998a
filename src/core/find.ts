/**
 * RequestFindInteractions (lifecycle.md §6): a search of a tenant's interactions by the condition language, in an
 * order, capped. The condition must name the queues it searches (`Queue = 'X'`, `Queue IN (...)`, possibly with other
 * terms under AND): the search reads those queues' interactions through the per-queue index and never walks every
 * interaction (decided where the contract is silent).
 */
import {
  ConditionParseError,
  compileCondition,
  compileOrder,
  parseCondition,
  parseOrder,
  queuesNamed,
} from '../condition/index.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { KvPair } from '../protocol/kv.ts';
import { isMsg } from '../protocol/message.ts';
import { checkTenantConfigured, requiredTenant, type Ctx } from './context.ts';
import type { Interaction } from './model/interaction.ts';
import { propertiesList } from './render.ts';
import { interactionRecord } from './views.ts';

/** At most this many interactions in one EventInteractionsFound. */
export const MAX_FOUND = 500;

export function findInteractions(ctx: Ctx<'RequestFindInteractions'>): void {
  const { s, tx, core, a, m } = ctx;
  const tenantId = requiredTenant(m);
  checkTenantConfigured(ctx, tenantId);
  if (!a.Condition)
    throw new ProtocolError('Error_find_condition_or_order_failed', 'RequestFindInteractions needs a Condition');
  const now = tx.nowMs;
  let matches: (ix: Interaction) => boolean;
  let compare: (x: Interaction, y: Interaction) => number;
  let queues: ReadonlySet<string> | undefined;
  try {
    const condition = parseCondition(a.Condition);
    queues = queuesNamed(condition);
    const test = compileCondition(condition);
    matches = (ix) => test(interactionRecord(ix, now));
    const order = compileOrder(parseOrder(a.Order ?? 'SubmittedAt ASC'));
    compare = (x, y) =>
      order(interactionRecord(x, now), interactionRecord(y, now)) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  } catch (e) {
    if (e instanceof ConditionParseError) throw new ProtocolError('Error_find_condition_or_order_failed', e.message);
    throw e;
  }
  if (queues === undefined) {
    throw new ProtocolError(
      'Error_find_condition_or_order_failed',
      "the Condition must name the queues it searches (Queue = 'X' or Queue IN ('X', ...), with other terms under AND)",
    );
  }
  const max = Math.max(0, Math.min(a.FindMaxInteractions ?? MAX_FOUND, MAX_FOUND));
  const found: Interaction[] = [];
  for (const q of queues)
    for (const ix of core.state.inQueueNamed(q)) if (ix.tenantId === tenantId && matches(ix)) found.push(ix);
  found.sort(compare);
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
