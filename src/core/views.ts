/**
 * Views (lifecycle.md §1–§2): per configured view of a queue, an ordered index of the queue's waiting interactions
 * that match the view's condition, in the view's order (default `Priority DESC, SubmittedAt ASC`), ties broken by
 * SubmittedAt and the interaction id so that the order is total and the same after a restart.
 *
 * The index changes only when an interaction starts or stops waiting in a queue with views, or changes while waiting
 * (CoreState.apply calls {@link Views.leave} and {@link Views.enter}): O(views of that queue × log n) each. A condition
 * that names `_time_in_queue` can change with time alone; it can only do so at the offsets after PlacedInQueueAt that
 * {@link timeOffsets} lists, so each waiting interaction has at most one pending re-check per such view, in one
 * ordered set by due time. Every read first runs the re-checks that are due ({@link Views.catchUp}): O(due × log n),
 * never a walk over the waiting interactions.
 *
 * Sort keys are read once, when an interaction enters a view (its user data decoded once then), and kept with the
 * entry: comparisons never decode anything. `_time_in_queue` as a sort key orders like PlacedInQueueAt reversed (all
 * interactions share the same now), so its key is fixed too.
 */
import {
  compareForOrder,
  compileCondition,
  compileOperand,
  parseCondition,
  parseOrder,
  timeOffsets,
  type ConditionPredicate,
  type ConditionRecord,
  type ConditionValue,
  type Order,
} from '../condition/index.ts';
import { DEFAULT_QUEUE_ORDER, TIME_IN_QUEUE } from '../condition/ast.ts';
import { kvGet, type KvList, type KvValue } from '../protocol/kv.ts';
import type { Config } from '../config/schema.ts';
import { externalIdOf } from './model/packed.ts';
import type { Interaction } from './model/interaction.ts';
import { SortedSet } from './sorted-set.ts';

/** A compiled view. */
interface View {
  readonly name: string;
  readonly queue: string;
  readonly matches: ConditionPredicate;
  /** Offsets (ms after PlacedInQueueAt) where the condition may change with time alone. */
  readonly offsets: readonly number[];
  /** The sort keys: each one's value for an interaction, and 1 (ASC) or -1 (DESC). */
  readonly order: readonly SortKey[];
  readonly set: SortedSet<ViewEntry>;
  /** interaction id -> its entry (present: it is in the view). */
  readonly entries: Map<string, ViewEntry>;
}

interface SortKey {
  readonly value: (ix: Interaction, record: ConditionRecord) => ConditionValue | undefined;
  readonly sign: number;
}

/** An interaction in a view, with its sort keys. */
interface ViewEntry {
  readonly ix: Interaction;
  readonly keys: readonly (ConditionValue | undefined)[];
}

/** A pending re-check of one waiting interaction against one time-dependent view. */
interface Recheck {
  readonly at: number;
  readonly view: View;
  readonly ix: Interaction;
}

/** The interactions of a view (or a page of them), in its order. */
export interface ViewContent {
  readonly name: string;
  readonly queue: string;
  readonly size: number;
  readonly interactions: readonly Interaction[];
}

/**
 * An interaction as a condition record at a moment: system properties by name, `_time_in_queue` in seconds (with
 * milliseconds) since PlacedInQueueAt, anything else a user-data key (decoded once, on the first user-data read).
 */
export function interactionRecord(ix: Interaction, now: number): ConditionRecord {
  let userData: KvList | undefined;
  return {
    get(name, scope) {
      if (scope === 'system') return systemValue(ix, name, now);
      userData ??= ix.userData;
      return conditionValue(kvGet(userData, name));
    },
  };
}

function systemValue(ix: Interaction, name: string, now: number): ConditionValue | undefined {
  switch (name) {
    case 'InteractionId':
      return ix.id;
    case 'MediaType':
      return ix.mediaType;
    case 'InteractionType':
      return ix.type;
    case 'InteractionSubtype':
      return ix.subtype;
    case 'Queue':
      return ix.queue;
    case 'TenantId':
      return ix.tenantId;
    case 'SubmittedAt':
      return ix.submittedAt;
    case 'ReceivedAt':
      return ix.receivedAt;
    case 'PlacedInQueueAt':
      return ix.placedInQueueAt;
    case 'DeliveredAt':
      return ix.deliveredAt;
    case 'SubmittedBy':
      return ix.submittedBy;
    case 'IsOnline':
      return ix.isOnline ? 1 : 0;
    case 'IsLocked':
      return ix.lockedBy === undefined ? 0 : 1;
    case 'IsHeld':
      return ix.held === true ? 1 : 0;
    case 'ExternalId':
      return externalIdOf(ix);
    case 'ParentId':
      return ix.parentId;
    case TIME_IN_QUEUE: {
      const placed = placedMs(ix);
      return placed === undefined ? undefined : (now - placed) / 1000;
    }
    default:
      return undefined;
  }
}

/** A user-data value as conditions read it: strings and numbers; other KV types (lists, bytes, ...) are missing. */
function conditionValue(v: KvValue | undefined): ConditionValue | undefined {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function placedMs(ix: Interaction): number | undefined {
  if (ix.placedInQueueAt === undefined) return undefined;
  const t = Date.parse(ix.placedInQueueAt);
  return Number.isNaN(t) ? undefined : t;
}

/** The sort key of `_time_in_queue`: later placement, less time in queue — the same order at every moment. */
function timeKey(ix: Interaction): number | undefined {
  const placed = placedMs(ix);
  return placed === undefined ? undefined : -placed / 1000;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every configured view, compiled, with its index. */
export class Views {
  private readonly byQueue = new Map<string, View[]>();
  private readonly byName = new Map<string, View>();
  /** Pending re-checks of time-dependent views, by due time. */
  private readonly rechecks = new SortedSet<Recheck>(
    (a, b) => a.at - b.at || compareText(a.view.name, b.view.name) || compareText(a.ix.id, b.ix.id),
  );
  /** view name -> interaction id -> its pending re-check. */
  private readonly recheckOf = new Map<string, Map<string, Recheck>>();

  constructor(config: Config) {
    for (const q of config.queues) {
      for (const v of q.views) {
        const condition = v.condition === undefined ? undefined : parseCondition(v.condition);
        const order: Order = parseOrder(v.order ?? DEFAULT_QUEUE_ORDER);
        const keys: SortKey[] = order.map((k) => {
          const read = compileOperand(k.property);
          const time = k.property.scope === 'system' && k.property.name === TIME_IN_QUEUE;
          return { value: time ? timeKey : (_ix, record) => read(record), sign: k.descending ? -1 : 1 };
        });
        const view: View = {
          name: v.name,
          queue: q.name,
          matches: condition === undefined ? () => true : compileCondition(condition),
          offsets: condition === undefined ? [] : timeOffsets(condition),
          order: keys,
          set: new SortedSet<ViewEntry>((a, b) => compareEntries(a, b, keys)),
          entries: new Map(),
        };
        this.byName.set(v.name, view);
        let list = this.byQueue.get(q.name);
        if (!list) this.byQueue.set(q.name, (list = []));
        list.push(view);
      }
    }
  }

  /** Whether a queue has views (nothing to do for the others). */
  has(queue: string): boolean {
    return this.byQueue.has(queue);
  }

  /** The queue a view belongs to, if it is a configured view. */
  queueOf(name: string): string | undefined {
    return this.byName.get(name)?.queue;
  }

  /** The configured view names. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** A waiting interaction leaves its queue's views (it stops waiting, or is about to change). */
  leave(ix: Interaction): void {
    for (const view of this.byQueue.get(ix.queue) ?? []) {
      const e = view.entries.get(ix.id);
      if (e) {
        view.set.delete(e);
        view.entries.delete(ix.id);
      }
      const pending = this.recheckOf.get(view.name)?.get(ix.id);
      if (pending) {
        this.rechecks.delete(pending);
        this.recheckOf.get(view.name)?.delete(ix.id);
      }
    }
  }

  /** A waiting interaction enters the views of its queue whose condition it meets now. */
  enter(ix: Interaction, now: number): void {
    const views = this.byQueue.get(ix.queue);
    if (!views) return;
    const record = interactionRecord(ix, now);
    for (const view of views) this.place(view, ix, record, now);
  }

  /** Runs the re-checks due at `now` (time-dependent conditions whose value may have changed). */
  catchUp(now: number): void {
    for (let r = this.rechecks.first(); r !== undefined && r.at <= now; r = this.rechecks.first()) {
      this.rechecks.delete(r);
      this.recheckOf.get(r.view.name)?.delete(r.ix.id);
      const e = r.view.entries.get(r.ix.id);
      if (e) {
        r.view.set.delete(e);
        r.view.entries.delete(r.ix.id);
      }
      this.place(r.view, r.ix, interactionRecord(r.ix, now), now);
    }
  }

  /** The size of a view and its first `limit` interactions in its order, as of `now`; undefined: no such view. */
  content(name: string, now: number, limit = Infinity): ViewContent | undefined {
    const view = this.byName.get(name);
    if (!view) return undefined;
    this.catchUp(now);
    const interactions: Interaction[] = [];
    if (limit > 0)
      for (const e of view.set) {
        interactions.push(e.ix);
        if (interactions.length >= limit) break;
      }
    return { name, queue: view.queue, size: view.set.size, interactions };
  }

  /**
   * A view's interactions in its order as of `now`, those `also` allows, at most `limit`: the view's own (walked in
   * order, stopping once `limit` + 1 are found) with the `extra` ones merged in where they meet its condition (they
   * are not in its index, e.g. locked ones). `more`: whether more than `limit` qualify. Undefined: no such view.
   */
  pick(
    name: string,
    now: number,
    limit: number,
    extra: Iterable<Interaction>,
    also: (ix: Interaction) => boolean = () => true,
  ): { interactions: Interaction[]; more: boolean } | undefined {
    const view = this.byName.get(name);
    if (!view) return undefined;
    this.catchUp(now);
    const entries: ViewEntry[] = [];
    for (const e of view.set) {
      if (entries.length > limit) break;
      if (also(e.ix)) entries.push(e);
    }
    let merged = false;
    for (const ix of extra) {
      if (view.entries.has(ix.id) || ix.queue !== view.queue || !also(ix)) continue;
      const record = interactionRecord(ix, now);
      if (!view.matches(record)) continue;
      entries.push({ ix, keys: view.order.map((k) => k.value(ix, record)) });
      merged = true;
    }
    if (merged) entries.sort((a, b) => compareEntries(a, b, view.order));
    return { interactions: entries.slice(0, limit).map((e) => e.ix), more: entries.length > limit };
  }

  /** The number of interactions in each view, as of `now` (metrics). */
  sizes(now: number): Map<string, number> {
    this.catchUp(now);
    return new Map([...this.byName].map(([name, v]) => [name, v.set.size]));
  }

  private place(view: View, ix: Interaction, record: ConditionRecord, now: number): void {
    if (view.matches(record)) {
      const entry: ViewEntry = { ix, keys: view.order.map((k) => k.value(ix, record)) };
      view.set.add(entry);
      view.entries.set(ix.id, entry);
    }
    if (view.offsets.length === 0) return;
    const placed = placedMs(ix);
    if (placed === undefined) return;
    const next = view.offsets.find((o) => placed + o > now);
    if (next === undefined) return;
    const r: Recheck = { at: placed + next, view, ix };
    this.rechecks.add(r);
    let m = this.recheckOf.get(view.name);
    if (!m) this.recheckOf.set(view.name, (m = new Map<string, Recheck>()));
    m.set(ix.id, r);
  }
}

function compareEntries(a: ViewEntry, b: ViewEntry, keys: readonly SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const c = compareForOrder(a.keys[i], b.keys[i]);
    if (c !== 0) return c * (keys[i] as SortKey).sign;
  }
  // The final tie-break: the original age, then the id.
  if (a.ix.submittedAt !== b.ix.submittedAt) return a.ix.submittedAt < b.ix.submittedAt ? -1 : 1;
  return compareText(a.ix.id, b.ix.id);
}
