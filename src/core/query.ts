/**
 * A search of interactions by the condition language (find, snapshots, the HTTP search): the parsed condition as a
 * test on an interaction, the order as a total comparison (ties by id), and the queues the condition names — the
 * searches read only those queues' interactions, never every interaction.
 */
import {
  compileCondition,
  compileOrder,
  parseCondition,
  parseOrder,
  queuesNamed,
  type ConditionRecord,
  type Order,
} from '../condition/index.ts';
import type { Interaction } from './model/interaction.ts';
import type { CoreState } from './state.ts';
import { interactionRecord } from './views.ts';

/** A compiled search. */
export interface Query {
  /** Whether an interaction meets the condition (as of the query's moment). */
  readonly matches: (ix: Interaction) => boolean;
  /** The order over records, ties not broken (see {@link byOrderThenId}). */
  readonly compareRecords: (a: ConditionRecord, b: ConditionRecord) => number;
  readonly order: Order;
  /** The queues the condition names; undefined when it names none (the callers refuse it). */
  readonly queues: ReadonlySet<string> | undefined;
  /** The moment the query reads time-dependent properties at (`_time_in_queue`). */
  readonly now: number;
}

/** Compiles a condition and an order; throws ConditionParseError when either does not parse. */
export function compileQuery(condition: string, order: string, now: number): Query {
  const c = parseCondition(condition);
  const test = compileCondition(c);
  const o = parseOrder(order);
  return {
    matches: (ix) => test(interactionRecord(ix, now)),
    compareRecords: compileOrder(o),
    order: o,
    queues: queuesNamed(c),
    now,
  };
}

/** The query's order over interactions, ties broken by id (a total order). */
export function byOrderThenId(q: Query): (a: Interaction, b: Interaction) => number {
  return (a, b) =>
    q.compareRecords(interactionRecord(a, q.now), interactionRecord(b, q.now)) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The interactions of the named queues that `keep` accepts and the condition matches (in no particular order). */
export function matchingIn(
  state: CoreState,
  queues: ReadonlySet<string>,
  q: Query,
  keep: (ix: Interaction) => boolean,
): Interaction[] {
  const found: Interaction[] = [];
  for (const queue of queues) for (const ix of state.inQueueNamed(queue)) if (keep(ix) && q.matches(ix)) found.push(ix);
  return found;
}

/** The explanation every search gives when its condition names no queue. */
export const NAME_THE_QUEUES =
  "the condition must name the queues it searches (Queue = 'X' or Queue IN ('X', ...), with other terms under AND)";
