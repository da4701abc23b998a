/**
 * The core's state and every index over it. State changes only through {@link CoreState.apply}, which takes a
 * command's finished changes (new interaction and agent records, or deletions) and updates the maps and their indexes
 * in one place, so an index can never drift from what it indexes:
 * - per queue and media, the waiting interactions in the default order (Priority DESC, SubmittedAt ASC, then id),
 *   and since when they have been in the queue, counted per distinct time (its first is the queue's oldest age);
 * - per agent and media, its load (handled + invited) and since when it has been idle;
 * - per built-in-routed queue and media, the available candidate agents, longest idle first;
 * - per configured view, its queue's waiting interactions that match its condition, in its order (views.ts);
 * - by routing engine, by invited agent, by handling agent, by ExternalId, by place, by locking snapshot;
 * - by submitting media server, its online interactions (stopped when it goes away).
 * `apply` also collects the (queue, media) pairs where work and an agent may now meet: the router looks only there.
 */
import type { ClientTypeName } from '../protocol/enums.ts';
import { kvGet } from '../protocol/kv.ts';
import { externalIdOf, packed, PackedInteraction, priorityValue } from './model/packed.ts';
import type { Directory, QueueConfig } from './directory.ts';
import type { AgentState, Session, Snapshot } from './model/session.ts';
import {
  connIdOf,
  inQueue,
  invitationOf,
  isHandledBy,
  isWaiting,
  routerOf,
  type Interaction,
} from './model/interaction.ts';
import { setIndex } from './set-index.ts';
import { SortedSet } from './sorted-set.ts';
import { Views } from './views.ts';

/** A (queue, media) pair as a map key. */
export type PairKey = string;

/** The key of a queue and media. */
export function pairKey(queue: string, media: string): PairKey {
  return `${queue}\u0000${media}`;
}

/** An available agent in a (queue, media) set: ordered by when it became idle. */
interface AvailEntry {
  readonly agentId: string;
  readonly stamp: number;
}

/** The changes of one command (or one router step), applied together. */
export interface Changes {
  readonly interactions: ReadonlyMap<string, Interaction | null>;
  readonly agents: ReadonlyMap<string, AgentState | null>;
}

/** The numeric `Priority` user-data key, as the default queue order reads it (missing: undefined). */
export function priorityOf(ix: Interaction): number | undefined {
  return ix instanceof PackedInteraction ? ix.priority : priorityValue(kvGet(ix.userData, 'Priority'));
}

/**
 * The default order of a queue: Priority DESC (a missing priority after every present one), SubmittedAt ASC (the
 * original age, kept across rejects), then the interaction id so that the order is total and the same after a restart.
 */
export function compareWaiting(a: Interaction, b: Interaction): number {
  const pa = priorityOf(a);
  const pb = priorityOf(b);
  if (pa !== pb) {
    if (pa === undefined) return 1;
    if (pb === undefined) return -1;
    return pb - pa;
  }
  return compareAge(a, b);
}

/** The whole second of an ISO time text (its first 19 characters), or NaN; the last one read is remembered. */
let lastTime = '';
let lastSeconds = NaN;
const ISO_SECOND = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/;
function secondsOf(time: string): number {
  if (time === lastTime) return lastSeconds;
  const m = ISO_SECOND.exec(time);
  const s = m
    ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000
    : NaN;
  lastTime = time;
  lastSeconds = s >= 0 && s < 2 ** 32 ? s : NaN;
  return lastSeconds;
}

/**
 * compareWaiting's fence (sorted-set.ts): a number that never decreases along the default order — the priority's
 * rank (higher priorities first, a missing one last) times 2^32, plus SubmittedAt's whole second (two texts of the
 * same form order like their first 19 characters). NaN (no fence: the set falls back to comparing items) for a
 * priority that is not a whole number within ±2^19 or a SubmittedAt of another form.
 */
export function waitingFence(ix: Interaction): number {
  const p = priorityOf(ix);
  if (p !== undefined && !(Number.isInteger(p) && Math.abs(p) <= 2 ** 19)) return NaN;
  const rank = p === undefined ? 2 ** 20 + 1 : 2 ** 19 - p;
  return rank * 2 ** 32 + secondsOf(ix.submittedAt);
}

/**
 * compareWaiting's tie (sorted-set.ts) among interactions of the same fence (the same priority and SubmittedAt
 * second): SubmittedAt and the id as one text, ordered exactly as compareAge orders them (the NUL between them sorts
 * a SubmittedAt before every longer one it begins). Undefined (no tie) for a SubmittedAt holding a NUL itself.
 */
export function waitingTie(ix: Interaction): string | undefined {
  return ix.submittedAt.includes('\0') ? undefined : `${ix.submittedAt}\0${ix.id}`;
}

/** SubmittedAt ascending (the original age), then the id. */
function compareAge(a: Interaction, b: Interaction): number {
  if (a.submittedAt !== b.submittedAt) return a.submittedAt < b.submittedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Since when each waiting interaction of a (queue, media) has been in that queue (InteractionMovedToQueueAt, else
 * SubmittedAt: whole-second texts), counted per distinct time: the oldest is the first time with a count. Its size
 * follows the number of distinct seconds, not of interactions (a million submitted over a minute: sixty entries), and
 * a change of properties never touches it (it cannot move an interaction to another queue while it keeps waiting).
 */
class AgeCounts {
  private readonly counts = new Map<string, number>();
  private readonly order = new SortedSet<string>((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  add(at: string): void {
    const c = this.counts.get(at);
    if (c === undefined) this.order.add(at);
    this.counts.set(at, (c ?? 0) + 1);
  }

  remove(at: string): void {
    const c = this.counts.get(at);
    if (c === undefined) return;
    if (c > 1) this.counts.set(at, c - 1);
    else {
      this.counts.delete(at);
      this.order.delete(at);
    }
  }

  oldest(): string | undefined {
    return this.order.first();
  }
}

function enteredQueueAt(ix: Interaction): string {
  return ix.movedToQueueAt ?? ix.submittedAt;
}

/** What a timer does when it runs out: revoke an invitation, return a handled or routing-held interaction. */
export type TimerKind = 'delivering' | 'handling' | 'routing';

/** One armed timer: due at `at` (ms since the epoch), for interaction `id`; `who` is the agent or routing engine. */
export interface TimerEntry {
  readonly at: number;
  readonly id: string;
  readonly kind: TimerKind;
  readonly who: string;
}

function compareTimer(a: TimerEntry, b: TimerEntry): number {
  return a.at - b.at || cmpText(a.id, b.id) || cmpText(a.kind, b.kind) || cmpText(a.who, b.who);
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The owner of a workbin instance: an agent, a place, an agent group or a place group (the workbin's type). */
export interface WorkbinOwner {
  readonly kind: 'agent' | 'place' | 'agentGroup' | 'placeGroup';
  readonly id: string;
}

/** The owner a workbin placement names. */
export function workbinOwnerOf(w: {
  readonly agentId?: string;
  readonly placeId?: string;
  readonly agentGroupId?: string;
  readonly placeGroupId?: string;
}): WorkbinOwner {
  if (w.agentId !== undefined) return { kind: 'agent', id: w.agentId };
  if (w.placeId !== undefined) return { kind: 'place', id: w.placeId };
  if (w.agentGroupId !== undefined) return { kind: 'agentGroup', id: w.agentGroupId };
  return { kind: 'placeGroup', id: w.placeGroupId ?? '' };
}

function ownerKey(o: WorkbinOwner): string {
  return `${o.kind}\u0000${o.id}`;
}

function ownerFromKey(key: string): WorkbinOwner {
  const [kind, id = ''] = key.split('\u0000');
  return { kind: kind as WorkbinOwner['kind'], id };
}

const NO_SUBSCRIBERS: ReadonlyMap<number, boolean> = new Map();

/** Workbin order: placed longest ago first, then the id. */
function compareParked(a: Interaction, b: Interaction): number {
  const pa = a.placedInQueueAt ?? '';
  const pb = b.placedInQueueAt ?? '';
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function compareAvail(a: AvailEntry, b: AvailEntry): number {
  return a.stamp - b.stamp || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);
}

/** Whether a waiting interaction's new record sorts exactly where its old one did (same queue, media and keys). */
function keepsWaitingSlot(prev: Interaction, next: Interaction): boolean {
  return (
    isWaiting(prev) &&
    isWaiting(next) &&
    prev.queue === next.queue &&
    prev.mediaType === next.mediaType &&
    prev.submittedAt === next.submittedAt &&
    prev.movedToQueueAt === next.movedToQueueAt &&
    priorityOf(prev) === priorityOf(next)
  );
}

export { isWaiting } from './model/interaction.ts';

const NO_SESSIONS: ReadonlySet<Session> = new Set();
const NO_IDS: ReadonlySet<string> = new Set();
const NO_SNAPSHOTS: ReadonlySet<number> = new Set();
const NO_SESSION_IDS: ReadonlySet<number> = new Set();

/** The state of the core with its indexes. */
export class CoreState {
  readonly interactions = new Map<string, Interaction>();
  readonly sessions = new Map<number, Session>();
  readonly agents = new Map<string, AgentState>();
  private readonly byType = new Map<ClientTypeName, Set<Session>>();
  private readonly waiting = new Map<PairKey, SortedSet<Interaction>>();
  /** Per pair, since when its waiting interactions have been in the queue (see AgeCounts). */
  private readonly waitingByAge = new Map<PairKey, AgeCounts>();
  /** Routing-engine (external) pairs that have waiting interactions, offered when an engine registers. */
  readonly externalWaiting = new Set<PairKey>();
  /** ConnID -> interaction, for the hand-offs routing engines hold now (a ConnID leaves with its hand-off). */
  private readonly byConnId = new Map<string, string>();
  private readonly available = new Map<PairKey, SortedSet<AvailEntry>>();
  /** agent -> media -> its entry in the available sets (absent: not available). */
  private readonly availEntry = new Map<string, Map<string, AvailEntry>>();
  /** agent -> media -> interactions it handles or is invited to. */
  private readonly load = new Map<string, Map<string, number>>();
  /** agent -> media -> the stamp of the moment it last became idle for that media (its load dropped, or it got ready). */
  private readonly idleSince = new Map<string, Map<string, number>>();
  private idleClock = 0;
  private readonly byRouter = new Map<string, Set<string>>();
  /** Hand-offs (routing placements) per routing engine and per queue: what the submission scheduler caps. */
  private readonly handedTo = new Map<string, number>();
  private readonly handedFrom = new Map<string, number>();
  /**
   * The router left waiting work because of a submission cap: the next hand-off that ends looks at the routing-engine
   * pairs again (see {@link offerExternalAgain}).
   */
  capBlocked = false;
  /** Queues whose views have parked pulls waiting (the parked pulls' own set, see ParkedPulls.watched). */
  pullWatched: ReadonlySet<string> = new Set();
  /** Watched queues an interaction entered the views of since the parked pulls last looked. */
  readonly pullTouched = new Set<string>();
  private readonly byInvitee = new Map<string, Set<string>>();
  private readonly byHandler = new Map<string, Set<string>>();
  private readonly byExternalId = new Map<string, Set<string>>();
  /**
   * Submitting application (SubmittedBy) -> its online interactions (IsOnline 1): what is stopped when that media
   * server goes away, without walking every interaction. A stopped interaction is deleted, so it leaves with it.
   */
  private readonly onlineBy = new Map<string, Set<string>>();
  /**
   * queue -> the interactions whose Queue it is and that are not in that queue's waiting sets (offered, handled, held,
   * with a routing engine, parked, or in an unconfigured queue). With the waiting sets it gives every interaction of a
   * queue (searches by condition read both); the waiting ones, nearly all of a large backlog, cost nothing more here.
   */
  private readonly byQueue = new Map<string, Set<string>>();
  /** workbin -> owner (ownerKey) -> the interactions parked there, oldest placement first. */
  private readonly byWorkbin = new Map<string, Map<string, SortedSet<Interaction>>>();
  /** Workbin content subscriptions: workbin -> owner -> session -> whether it wants property changes too. */
  private readonly workbinSubscribers = new Map<string, Map<string, Map<number, boolean>>>();
  /** session -> its subscriptions (to drop them with the session). */
  private readonly subscriptionsOf = new Map<number, Set<string>>();
  /** Publish/subscribe: topic -> subscribed sessions, and each session's topics (to end them with the session). */
  private readonly topicSubscribers = new Map<string, Set<number>>();
  private readonly topicsOf = new Map<number, Set<string>>();
  /** snapshot id -> the interactions it has locked (from their `lockedBy`). */
  private readonly byLock = new Map<number, Set<string>>();
  /** The open snapshots (session state: they end with their session) and, per session, the ids of its snapshots. */
  private readonly snapshots = new Map<number, Snapshot>();
  private readonly snapshotsOfSession = new Map<number, Set<number>>();
  /** place -> agent logged in there. */
  readonly placeOccupant = new Map<string, string>();
  /** Pairs where an interaction started waiting or an agent became available since the router last looked. */
  readonly dirty = new Set<PairKey>();

  /**
   * Every armed timer of every interaction, soonest first: the deadlines stored in its invitations, its parties and
   * its routing placement (so they survive a restart with the interaction). O(log n) per change.
   */
  readonly timers = new SortedSet<TimerEntry>(compareTimer);

  /** The views' indexes (kept by apply like the others). */
  readonly views: Views;

  /** `now`: the core's clock (views whose condition names `_time_in_queue` read it). */
  constructor(
    readonly dir: Directory,
    private readonly now: () => number,
  ) {
    this.views = new Views(dir.config);
  }

  // ------------------------------------------------------------ reads

  sessionsOfType(type: ClientTypeName): ReadonlySet<Session> {
    return this.byType.get(type) ?? NO_SESSIONS;
  }

  /** The live sessions of an application (by client type and name). */
  *sessionsNamed(type: ClientTypeName, name: string): IterableIterator<Session> {
    for (const s of this.sessionsOfType(type)) if (s.clientName === name) yield s;
  }

  /** The waiting interactions of a queue and media, in the default order. */
  waitingIn(key: PairKey): SortedSet<Interaction> | undefined {
    return this.waiting.get(key);
  }

  /**
   * How many interactions wait in each (queue, media) that has had any, and since when the one waiting longest has
   * been in the queue (one entry per pair, not per interaction).
   */
  *waitingCounts(): IterableIterator<{ queue: string; media: string; count: number; oldestSince?: string }> {
    for (const [key, set] of this.waiting) {
      const [queue = '', media = ''] = key.split('\u0000');
      const oldest = set.size > 0 ? this.waitingByAge.get(key)?.oldest() : undefined;
      yield oldest ? { queue, media, count: set.size, oldestSince: oldest } : { queue, media, count: set.size };
    }
  }

  /** The available candidates of a built-in-routed queue and media, longest idle first. */
  availableIn(key: PairKey): Iterable<{ readonly agentId: string }> {
    return this.available.get(key) ?? [];
  }

  /** The interaction a routing engine holds under this ConnID, if one does. */
  heldUnder(connId: string): string | undefined {
    return this.byConnId.get(connId);
  }

  /** Interactions a routing engine (by application name) holds or asked to deliver. */
  heldBy(router: string): ReadonlySet<string> {
    return this.byRouter.get(router) ?? NO_IDS;
  }

  /** How many interactions a routing engine (by application name) holds now. */
  handedToCount(router: string): number {
    return this.handedTo.get(router) ?? 0;
  }

  /** How many interactions of a queue routing engines hold now. */
  handedFromCount(queue: string): number {
    return this.handedFrom.get(queue) ?? 0;
  }

  /** Interactions an agent is invited to. */
  invitedTo(agentId: string): ReadonlySet<string> {
    return this.byInvitee.get(agentId) ?? NO_IDS;
  }

  /** Interactions an agent handles. */
  handledBy(agentId: string): ReadonlySet<string> {
    return this.byHandler.get(agentId) ?? NO_IDS;
  }

  /** Every interaction whose Queue is `queue`, whatever its placement: its waiting sets and the others. */
  *inQueueNamed(queue: string): IterableIterator<Interaction> {
    for (const media of this.dir.mediaTypes) yield* this.waiting.get(pairKey(queue, media)) ?? [];
    for (const id of this.byQueue.get(queue) ?? NO_IDS) {
      const ix = this.interactions.get(id);
      if (ix) yield ix;
    }
  }

  /** Whether an interaction is indexed in byQueue (it is not in its queue's waiting sets). */
  private outsideWaiting(ix: Interaction): boolean {
    return !(isWaiting(ix) && this.dir.queues.has(ix.queue));
  }

  /** The interactions in one owner's workbin, oldest placement first. */
  inWorkbin(workbin: string, owner: WorkbinOwner): Iterable<Interaction> {
    return this.byWorkbin.get(workbin)?.get(ownerKey(owner)) ?? [];
  }

  /** Every owner of a workbin that has interactions in it, with its interactions (oldest placement first). */
  *workbinOwners(workbin: string): IterableIterator<{ owner: WorkbinOwner; content: SortedSet<Interaction> }> {
    for (const [key, content] of this.byWorkbin.get(workbin) ?? []) yield { owner: ownerFromKey(key), content };
  }

  /** The number of interactions in one owner's workbin. */
  workbinSize(workbin: string, owner: WorkbinOwner): number {
    return this.byWorkbin.get(workbin)?.get(ownerKey(owner))?.size ?? 0;
  }

  /** Subscribes a session to one owner's workbin (RequestWorkbinNotifications); false: it already was. */
  subscribe(sessionId: number, workbin: string, owner: WorkbinOwner, propertyChanges: boolean): boolean {
    const key = ownerKey(owner);
    let byOwner = this.workbinSubscribers.get(workbin);
    if (!byOwner) this.workbinSubscribers.set(workbin, (byOwner = new Map<string, Map<number, boolean>>()));
    let sessions = byOwner.get(key);
    if (!sessions) byOwner.set(key, (sessions = new Map<number, boolean>()));
    const had = sessions.has(sessionId);
    sessions.set(sessionId, propertyChanges);
    let mine = this.subscriptionsOf.get(sessionId);
    if (!mine) this.subscriptionsOf.set(sessionId, (mine = new Set()));
    mine.add(`${workbin}\u0001${key}`);
    return !had;
  }

  /** Ends a subscription; false: there was none. */
  unsubscribe(sessionId: number, workbin: string, owner: WorkbinOwner): boolean {
    const key = ownerKey(owner);
    const sessions = this.workbinSubscribers.get(workbin)?.get(key);
    if (!sessions?.delete(sessionId)) return false;
    if (sessions.size === 0) this.workbinSubscribers.get(workbin)?.delete(key);
    this.subscriptionsOf.get(sessionId)?.delete(`${workbin}\u0001${key}`);
    return true;
  }

  /** Subscribes a session to a publish/subscribe topic (RequestSubscribe). */
  subscribeTopic(sessionId: number, topic: string): void {
    setIndex(this.topicSubscribers, topic, sessionId, 1);
    setIndex(this.topicsOf, sessionId, topic, 1);
  }

  /** Ends a session's subscription to a topic (RequestUnsubscribe, or the session ending). */
  unsubscribeTopic(sessionId: number, topic: string): void {
    setIndex(this.topicSubscribers, topic, sessionId, -1);
    setIndex(this.topicsOf, sessionId, topic, -1);
  }

  /** The sessions subscribed to a topic. */
  topicSubscribersOf(topic: string): ReadonlySet<number> {
    return this.topicSubscribers.get(topic) ?? NO_SESSION_IDS;
  }

  /** The sessions subscribed to one owner's workbin, with whether they want property changes. */
  subscribers(workbin: string, owner: WorkbinOwner): ReadonlyMap<number, boolean> {
    return this.workbinSubscribers.get(workbin)?.get(ownerKey(owner)) ?? NO_SUBSCRIBERS;
  }

  /** The interactions a snapshot has locked. */
  lockedBy(snapshotId: number): ReadonlySet<string> {
    return this.byLock.get(snapshotId) ?? NO_IDS;
  }

  /** An open snapshot by id. */
  snapshot(id: number): Snapshot | undefined {
    return this.snapshots.get(id);
  }

  /** The ids of a session's open snapshots. */
  snapshotsOf(sessionId: number): ReadonlySet<number> {
    return this.snapshotsOfSession.get(sessionId) ?? NO_SNAPSHOTS;
  }

  /** Opens a snapshot (or replaces one of the same id). */
  addSnapshot(sn: Snapshot): void {
    this.snapshots.set(sn.id, sn);
    let mine = this.snapshotsOfSession.get(sn.sessionId);
    if (!mine) this.snapshotsOfSession.set(sn.sessionId, (mine = new Set()));
    mine.add(sn.id);
  }

  /** Forgets a snapshot (its locks are released by the command that releases it). */
  removeSnapshot(id: number): void {
    const sn = this.snapshots.get(id);
    if (!sn) return;
    this.snapshots.delete(id);
    const mine = this.snapshotsOfSession.get(sn.sessionId);
    mine?.delete(id);
    if (mine?.size === 0) this.snapshotsOfSession.delete(sn.sessionId);
  }

  /** The online interactions (IsOnline 1) an application submitted. */
  onlineOf(submittedBy: string): ReadonlySet<string> {
    return this.onlineBy.get(submittedBy) ?? NO_IDS;
  }

  withExternalId(externalId: string): ReadonlySet<string> {
    return this.byExternalId.get(externalId) ?? NO_IDS;
  }

  /** An agent's load for a media: interactions it handles plus those it is invited to. */
  loadOf(agentId: string, media: string): number {
    return this.load.get(agentId)?.get(media) ?? 0;
  }

  /** Whether an agent may be offered an interaction of a media now (lifecycle §3). */
  isAvailable(agentId: string, media: string): boolean {
    const a = this.agents.get(agentId);
    if (!a || a.dnd || a.media.get(media) !== true) return false;
    const cap = this.dir.agents.get(agentId)?.capacity.get(media) ?? 0;
    return this.loadOf(agentId, media) < cap;
  }

  /**
   * Routing engines may take more (one registered, registered a strategy, a cap has room again): the routing-engine
   * pairs with waiting work are looked at again.
   */
  offerExternalAgain(): void {
    for (const key of this.externalWaiting) this.dirty.add(key);
  }

  // ------------------------------------------------------------ sessions

  addSession(s: Session): void {
    this.sessions.set(s.id, s);
    let set = this.byType.get(s.clientType);
    if (!set) this.byType.set(s.clientType, (set = new Set()));
    set.add(s);
  }

  removeSession(s: Session): void {
    for (const sub of this.subscriptionsOf.get(s.id) ?? []) {
      const [workbin = '', key = ''] = sub.split('\u0001');
      this.unsubscribe(s.id, workbin, ownerFromKey(key));
    }
    this.subscriptionsOf.delete(s.id);
    for (const topic of [...(this.topicsOf.get(s.id) ?? [])]) this.unsubscribeTopic(s.id, topic);
    this.sessions.delete(s.id);
    this.byType.get(s.clientType)?.delete(s);
  }

  // ------------------------------------------------------------ the one mutator

  /** Applies a command's changes to the state and every index. */
  apply(changes: Changes): void {
    /** Agents whose availability may have changed, with whether they became idle for some media. */
    const touched = new Map<string, Set<string>>();
    const touch = (agentId: string, becameIdleFor?: string): void => {
      let s = touched.get(agentId);
      if (!s) touched.set(agentId, (s = new Set()));
      if (becameIdleFor !== undefined) s.add(becameIdleFor);
    };
    for (const [id, next] of changes.interactions) {
      const prev = this.interactions.get(id);
      // Kept in the compact form (user data packed): a million waiting interactions must stay small.
      const stored = next ? packed(next) : null;
      // A change of properties only (the commonest write): the record takes the new user data in place and keeps
      // every index entry; only the views, whose conditions may read user data, see it leave and enter again.
      if (prev instanceof PackedInteraction && stored !== null && prev.differsInPropertiesOnly(stored)) {
        const viewed = inQueue(prev) && this.views.has(prev.queue) && this.dir.queues.has(prev.queue);
        if (viewed) this.views.leave(prev);
        prev.takeProperties(stored);
        if (viewed) this.enterViews(prev);
        continue;
      }
      // Still waiting at the same place of the same queue (a property change that leaves the order alone): the new
      // record takes the old one's slot, one search instead of a delete and an insert.
      const sameSlot =
        prev !== undefined &&
        stored !== null &&
        keepsWaitingSlot(prev, stored) &&
        this.waiting.get(pairKey(stored.queue, stored.mediaType))?.replace(prev, stored) === true;
      // By queue, for those outside the waiting sets: touched only when that changes (not by a change of properties).
      const was = prev !== undefined && this.outsideWaiting(prev) ? prev.queue : undefined;
      const is = stored !== null && this.outsideWaiting(stored) ? stored.queue : undefined;
      if (was !== is) {
        if (was !== undefined) setIndex(this.byQueue, was, id, -1);
        if (is !== undefined) setIndex(this.byQueue, is, id, 1);
      }
      if (prev) this.unindex(prev, touch, next, sameSlot);
      if (stored) {
        this.interactions.set(id, stored);
        this.index(stored, touch, prev, sameSlot);
      } else {
        this.interactions.delete(id);
      }
      // A hand-off ended (or moved): a cap that held work back may have room now.
      if (this.capBlocked && prev && routerOf(prev) !== undefined) {
        if (!stored || routerOf(stored) !== routerOf(prev) || stored.queue !== prev.queue) {
          this.capBlocked = false;
          this.offerExternalAgain();
        }
      }
    }
    for (const [id, next] of changes.agents) {
      const prev = this.agents.get(id);
      if (prev) {
        if (this.placeOccupant.get(prev.placeId) === id) this.placeOccupant.delete(prev.placeId);
        for (const sid of prev.sessions) {
          const s = this.sessions.get(sid);
          if (s?.agentId === id) delete s.agentId;
        }
      }
      if (next) {
        this.agents.set(id, next);
        this.placeOccupant.set(next.placeId, id);
        for (const sid of next.sessions) {
          const s = this.sessions.get(sid);
          if (s) s.agentId = id;
        }
        // Ready for a media it was not ready for (or newly logged in, or DND off): idle from now for that media.
        for (const [media, ready] of next.media) {
          const wasReady = prev !== undefined && !prev.dnd && prev.media.get(media) === true;
          if (ready && !next.dnd && !wasReady) touch(id, media);
        }
      } else {
        this.agents.delete(id);
      }
      touch(id);
    }
    // Agents (and media) that became idle in the same step are stamped in id order, so ties break the same way always.
    const agents = [...touched.keys()].sort();
    for (const agentId of agents) this.refreshAvailability(agentId, touched.get(agentId) as Set<string>);
  }

  /** Rebuilds the waiting sets in one sort each (start-up with many interactions). */
  rebuildWaiting(): void {
    const lists = new Map<PairKey, Interaction[]>();
    /** What the views take: every interaction in its queue, held ones included. */
    const inViews: Interaction[] = [];
    for (const ix of this.interactions.values()) {
      if (!this.dir.queues.has(ix.queue)) continue;
      if (this.views.has(ix.queue) && inQueue(ix)) inViews.push(ix);
      if (!isWaiting(ix)) continue;
      const key = pairKey(ix.queue, ix.mediaType);
      let list = lists.get(key);
      if (!list) lists.set(key, (list = []));
      list.push(ix);
    }
    for (const [key, list] of lists) {
      // Sorted once with each interaction's priority read once (the comparator would read it on every comparison).
      const keyed = list.map((ix) => ({ ix, p: priorityOf(ix) }));
      keyed.sort((a, b) => {
        if (a.p !== b.p) {
          if (a.p === undefined) return 1;
          if (b.p === undefined) return -1;
          return b.p - a.p;
        }
        return compareAge(a.ix, b.ix);
      });
      const set = this.waitSet(key);
      set.resetSorted(keyed.map((k) => k.ix));
      const ages = this.ageSet(key);
      for (const ix of list) ages.add(enteredQueueAt(ix));
      this.markWaiting(key, list[0] as Interaction);
    }
    const now = this.now();
    for (const ix of inViews) this.views.enter(ix, now);
  }

  /** Loads an interaction without touching the waiting sets (see rebuildWaiting); the other indexes are kept. */
  restore(ix: Interaction): void {
    const stored = packed(ix);
    this.interactions.set(ix.id, stored);
    if (this.outsideWaiting(stored)) setIndex(this.byQueue, stored.queue, stored.id, 1);
    this.indexOwners(stored, 1, () => undefined);
  }

  // ------------------------------------------------------------ index maintenance

  private waitSet(key: PairKey): SortedSet<Interaction> {
    let set = this.waiting.get(key);
    if (!set) this.waiting.set(key, (set = new SortedSet(compareWaiting, waitingFence, waitingTie)));
    return set;
  }

  private ageSet(key: PairKey): AgeCounts {
    let set = this.waitingByAge.get(key);
    if (!set) this.waitingByAge.set(key, (set = new AgeCounts()));
    return set;
  }

  /** An interaction enters its queue's views; a queue with parked pulls is marked for them to look again. */
  private enterViews(ix: Interaction): void {
    this.views.enter(ix, this.now());
    if (this.pullWatched.has(ix.queue)) this.pullTouched.add(ix.queue);
  }

  private markWaiting(key: PairKey, ix: Interaction): void {
    const q = this.dir.queues.get(ix.queue) as QueueConfig;
    if (q.routing === 'external') this.externalWaiting.add(key);
    if (q.routing !== 'none') this.dirty.add(key);
  }

  private index(
    ix: Interaction,
    touch: (agentId: string, idleFor?: string) => void,
    prev: Interaction | undefined,
    sameSlot: boolean,
  ): void {
    if (inQueue(ix) && this.views.has(ix.queue) && this.dir.queues.has(ix.queue)) this.enterViews(ix);
    if (isWaiting(ix) && this.dir.queues.has(ix.queue)) {
      const key = pairKey(ix.queue, ix.mediaType);
      if (!sameSlot) {
        this.waitSet(key).add(ix);
        this.ageSet(key).add(enteredQueueAt(ix));
      }
      // A priority change inside the same queue cannot make a new match (nobody was available for it before).
      if (!prev || !isWaiting(prev) || prev.queue !== ix.queue) this.markWaiting(key, ix);
    }
    this.indexOwners(ix, 1, touch);
  }

  private unindex(
    ix: Interaction,
    touch: (agentId: string, idleFor?: string) => void,
    next: Interaction | null,
    sameSlot: boolean,
  ): void {
    if (isWaiting(ix) && this.dir.queues.has(ix.queue)) {
      const key = pairKey(ix.queue, ix.mediaType);
      const set = this.waiting.get(key);
      if (!sameSlot) {
        set?.delete(ix);
        this.waitingByAge.get(key)?.remove(enteredQueueAt(ix));
      }
      if (set?.size === 0) this.externalWaiting.delete(key);
    }
    if (inQueue(ix) && this.views.has(ix.queue) && this.dir.queues.has(ix.queue)) this.views.leave(ix);
    this.indexOwners(ix, -1, touch, next ?? undefined);
  }

  /** Load, router, invitee, handler, ExternalId and online indexes: +1 adds the interaction's entries, -1 removes them. */
  private indexOwners(
    ix: Interaction,
    sign: 1 | -1,
    touch: (agentId: string, idleFor?: string) => void,
    next?: Interaction,
  ): void {
    const router = routerOf(ix);
    const connId = connIdOf(ix);
    if (connId !== undefined) {
      if (sign === 1) this.byConnId.set(connId, ix.id);
      else this.byConnId.delete(connId);
    }
    if (router !== undefined) {
      setIndex(this.byRouter, router, ix.id, sign);
      addCount(this.handedTo, router, sign);
      addCount(this.handedFrom, ix.queue, sign);
      const at = (ix.placement as { deadline?: number }).deadline;
      if (at !== undefined) this.timer(sign, { at, id: ix.id, kind: 'routing', who: router });
    }
    for (const inv of ix.invitations) {
      if (inv.routerName !== undefined && inv.routerName !== router)
        setIndex(this.byRouter, inv.routerName, ix.id, sign);
      setIndex(this.byInvitee, inv.agentId, ix.id, sign);
      this.addLoad(inv.agentId, ix.mediaType, sign, touch, next);
      if (inv.deadline !== undefined)
        this.timer(sign, { at: inv.deadline, id: ix.id, kind: 'delivering', who: inv.agentId });
    }
    if (ix.placement.kind === 'handled') {
      for (const p of ix.parties) {
        setIndex(this.byHandler, p.agentId, ix.id, sign);
        this.addLoad(p.agentId, ix.mediaType, sign, touch, next);
        if (p.deadline !== undefined) this.timer(sign, { at: p.deadline, id: ix.id, kind: 'handling', who: p.agentId });
      }
    }
    if (ix.placement.kind === 'workbin') {
      const p = ix.placement;
      const key = ownerKey(workbinOwnerOf(p));
      let byOwner = this.byWorkbin.get(p.workbin);
      let set = byOwner?.get(key);
      if (sign === 1) {
        if (!byOwner) this.byWorkbin.set(p.workbin, (byOwner = new Map<string, SortedSet<Interaction>>()));
        if (!set) byOwner.set(key, (set = new SortedSet(compareParked)));
        set.add(ix);
      } else if (set) {
        set.delete(ix);
        if (set.size === 0) {
          byOwner?.delete(key);
          if (byOwner?.size === 0) this.byWorkbin.delete(p.workbin);
        }
      }
    }
    const ext = externalIdOf(ix);
    if (ext !== undefined) setIndex(this.byExternalId, ext, ix.id, sign);
    if (ix.isOnline) setIndex(this.onlineBy, ix.submittedBy, ix.id, sign);
    if (ix.lockedBy !== undefined) setIndex(this.byLock, ix.lockedBy, ix.id, sign);
  }

  private timer(sign: 1 | -1, entry: TimerEntry): void {
    if (sign === 1) this.timers.add(entry);
    else this.timers.delete(entry);
  }

  private addLoad(
    agentId: string,
    media: string,
    sign: 1 | -1,
    touch: (agentId: string, idleFor?: string) => void,
    next?: Interaction,
  ): void {
    let m = this.load.get(agentId);
    if (!m) this.load.set(agentId, (m = new Map<string, number>()));
    const n = (m.get(media) ?? 0) + sign;
    if (n === 0) m.delete(media);
    else m.set(media, n);
    if (m.size === 0) this.load.delete(agentId);
    // The load dropped for good (the interaction does not stay with this agent): idle from now.
    const stays = next !== undefined && (invitationOf(next, agentId) !== undefined || isHandledBy(next, agentId));
    if (sign === -1 && !stays) touch(agentId, media);
    else touch(agentId);
  }

  /** Re-derives an agent's entries in the available sets after its state or load changed. */
  private refreshAvailability(agentId: string, idleFor: ReadonlySet<string>): void {
    const agent = this.agents.get(agentId);
    const queues = this.dir.queuesOfAgent.get(agentId) ?? [];
    let idle = this.idleSince.get(agentId);
    if (!agent) {
      this.idleSince.delete(agentId);
      idle = undefined;
    } else {
      if (!idle) this.idleSince.set(agentId, (idle = new Map<string, number>()));
      for (const media of [...idleFor].sort()) idle.set(media, ++this.idleClock);
    }
    let entries = this.availEntry.get(agentId);
    const medias = new Set<string>([...(entries?.keys() ?? []), ...(agent?.media.keys() ?? [])]);
    for (const media of medias) {
      const old = entries?.get(media);
      const available = agent !== undefined && this.isAvailable(agentId, media);
      const stamp = idle?.get(media) ?? 0;
      if (old && available && old.stamp === stamp) continue;
      if (old) {
        for (const q of queues) this.available.get(pairKey(q.name, media))?.delete(old);
        entries?.delete(media);
      }
      if (!available || queues.length === 0) continue;
      const entry: AvailEntry = { agentId, stamp };
      if (!entries) this.availEntry.set(agentId, (entries = new Map<string, AvailEntry>()));
      entries.set(media, entry);
      for (const q of queues) {
        const key = pairKey(q.name, media);
        let set = this.available.get(key);
        if (!set) this.available.set(key, (set = new SortedSet(compareAvail)));
        set.add(entry);
        this.dirty.add(key);
      }
    }
    if (entries?.size === 0) this.availEntry.delete(agentId);
  }
}

/** Adds `sign` to a count (a count that reaches 0 leaves the map). */
function addCount(counts: Map<string, number>, key: string, sign: 1 | -1): void {
  const n = (counts.get(key) ?? 0) + sign;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
