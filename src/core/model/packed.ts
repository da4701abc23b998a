/**
 * Interactions in their compact form, and to and from JSON text for storage (KV values keep their wire types).
 *
 * A million stored interactions must fit in memory: the state keeps each one as a {@link PackedInteraction}, whose
 * user data is one string (the JSON text of its stored form) instead of an array of pair objects, decoded when read.
 * Fewer objects per interaction also means less for the garbage collector to walk. The rows use the same text, so a
 * row loads without decoding its user data; its Priority and ExternalId (which the indexes need) are stored beside it.
 */
import { kvFromStored, kvGet, kvToStored, type KvList, type KvValue, type StoredKv } from '../../protocol/kv.ts';
import {
  NO_INVITATIONS,
  NO_PARTIES,
  sharedPlacement,
  stateOf,
  type Interaction,
  type Invitation,
  type Party,
  type Placement,
} from './interaction.ts';

/** User data as the JSON text of its stored form. */
export function packUserData(ud: KvList): string {
  return JSON.stringify(kvToStored(ud));
}

/** Inverse of {@link packUserData}; keys are shared copies (see {@link intern}). */
export function unpackUserData(text: string): KvList {
  return kvFromStored(JSON.parse(text) as StoredKv).map((p) => ({ key: intern(p.key), value: p.value }));
}

/** The numeric `Priority` user-data key (a number, or a numeric string), as queue orders read it. */
export function priorityValue(v: KvValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

type Fields = Omit<Interaction, 'userData'>;

/** The fields every interaction has, copied in this order (one hidden class for all). */
const REQUIRED_FIELDS = [
  'id',
  'tenantId',
  'mediaType',
  'type',
  'subtype',
  'queue',
  'placement',
  'parties',
  'invitations',
  'submittedBy',
  'submittedAt',
  'receivedAt',
  'isOnline',
  'version',
  'eventSeq',
] as const satisfies readonly (keyof Fields)[];
/** The fields an interaction may have, copied only when present (a missing field stays missing). */
const OPTIONAL_FIELDS = [
  'parentId',
  'lastRejectedBy',
  'held',
  'heldAt',
  'lockedBy',
  'submittedToRouterAt',
  'deliveredAt',
  'placedInQueueAt',
  'movedToQueueAt',
  'abandonedAt',
] as const satisfies readonly (keyof Fields)[];
/** True, and compiles only while the two lists name every field of an interaction but its user data. */
export const EVERY_FIELD_LISTED: [
  Exclude<keyof Fields, (typeof REQUIRED_FIELDS)[number] | (typeof OPTIONAL_FIELDS)[number]>,
] extends [never]
  ? true
  : never = true;

// The fields are copied onto the instance in the constructor; the interface tells TypeScript they are there.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface PackedInteraction extends Fields {}

/**
 * An interaction with its user data packed into one string, decoded on every read of `userData` (read it once per
 * use). The Priority and ExternalId the indexes read are kept decoded. A spread of it copies every field but the user
 * data: use {@link unpacked} for a plain, changeable copy.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class PackedInteraction implements Interaction {
  #userData: string;
  readonly #priority: number | undefined;
  readonly #externalId: string | undefined;

  /** `fields`: the interaction's fields (other properties of the object, such as its user data, are not copied). */
  constructor(fields: Fields, packed: string, priority: number | undefined, externalId: string | undefined) {
    // Field by field rather than Object.assign or a rest copy: a million are built at every start.
    const from = fields as unknown as Record<string, unknown>;
    const to = this as unknown as Record<string, unknown>;
    for (const k of REQUIRED_FIELDS) to[k] = from[k];
    for (const k of OPTIONAL_FIELDS) {
      const v = from[k];
      if (v !== undefined) to[k] = v;
    }
    // Shared values instead of one copy per interaction: the empty lists and the common placements.
    if (this.parties.length === 0) to.parties = NO_PARTIES;
    if (this.invitations.length === 0) to.invitations = NO_INVITATIONS;
    to.placement = sharedPlacement(this.placement);
    this.#userData = packed;
    this.#priority = priority;
    this.#externalId = externalId;
  }

  get userData(): KvList {
    return unpackUserData(this.#userData);
  }

  /** The user data's JSON text. */
  get packedUserData(): string {
    return this.#userData;
  }

  get priority(): number | undefined {
    return this.#priority;
  }

  get externalId(): string | undefined {
    return this.#externalId;
  }

  /**
   * Whether `next` is this interaction with other user data only: every field the same value (objects the same
   * instance) but its user data, version and event sequence, and the same Priority and ExternalId (what the indexes
   * read of the user data). A change of properties gives such a record (see {@link takeProperties}).
   */
  differsInPropertiesOnly(next: PackedInteraction): boolean {
    if (next.#priority !== this.#priority || next.#externalId !== this.#externalId) return false;
    const a = this as unknown as Record<string, unknown>;
    const b = next as unknown as Record<string, unknown>;
    for (const k of SAME_FIELDS) if (a[k] !== b[k]) return false;
    return true;
  }

  /**
   * Takes `next`'s user data, version and event sequence in place (for CoreState.apply only, and only when
   * {@link differsInPropertiesOnly}). The state's record then stays the same object: a change of properties makes no
   * new long-lived record, only its new user-data text (with a million interactions, each new record survived into
   * V8's old generation, and what the young-generation collections copied per change grew with it).
   */
  takeProperties(next: PackedInteraction): void {
    const self = this as unknown as { version: number; eventSeq: number };
    this.#userData = next.#userData;
    self.version = next.version;
    self.eventSeq = next.eventSeq;
  }
}

/** The fields {@link PackedInteraction.differsInPropertiesOnly} compares: all but the version and event sequence. */
const SAME_FIELDS: readonly string[] = [...REQUIRED_FIELDS, ...OPTIONAL_FIELDS].filter(
  (k) => k !== 'version' && k !== 'eventSeq',
);

/** The compact form of an interaction (itself when it is one). */
export function packed(ix: Interaction): PackedInteraction {
  if (ix instanceof PackedInteraction) return ix;
  const userData = ix.userData;
  const ext = kvGet(userData, 'ExternalId');
  // The constructor copies the fields, not the user data: no copy of the record is needed here.
  return new PackedInteraction(
    ix,
    packUserData(userData),
    priorityValue(kvGet(userData, 'Priority')),
    typeof ext === 'string' ? ext : undefined,
  );
}

/** The `ExternalId` user-data key, when it is text (read without decoding a packed interaction's user data). */
export function externalIdOf(ix: Interaction): string | undefined {
  if (ix instanceof PackedInteraction) return ix.externalId;
  const v = kvGet(ix.userData, 'ExternalId');
  return typeof v === 'string' ? v : undefined;
}

/** A plain copy of an interaction, user data decoded: what a command changes. */
export function unpacked(ix: Interaction): { -readonly [K in keyof Interaction]: Interaction[K] } {
  return { ...ix, userData: ix.userData };
}

/**
 * Serialises an interaction for a store row (its user data as its packed text, with Priority and ExternalId). The
 * derived InteractionState goes with it for the row's query column (loading ignores it).
 */
export function interactionToJson(ix: Interaction): string {
  const p = packed(ix);
  return JSON.stringify({
    // The spread takes every field but the user data (a getter), which follows in its packed form.
    // eslint-disable-next-line @typescript-eslint/no-misused-spread
    ...p,
    userData: p.packedUserData,
    state: stateOf(p),
    ...(p.priority === undefined ? {} : { priority: p.priority }),
    ...(p.externalId === undefined ? {} : { externalId: p.externalId }),
  });
}

/**
 * Strings that repeat across many interactions (queue, media, types, submitter, dates of the same second, user-data
 * keys) are shared while loading: a million loaded interactions would otherwise each hold their own copies. Bounded
 * (cleared when full) so that unique values never make the pool itself grow without limit.
 */
const POOL_LIMIT = 16_384;
const pool = new Map<string, string>();

/** The shared copy of a repeated string. */
export function intern(s: string): string {
  const shared = pool.get(s);
  if (shared !== undefined) return shared;
  if (pool.size >= POOL_LIMIT) pool.clear();
  pool.set(s, s);
  return s;
}

const INTERNED = [
  'mediaType',
  'type',
  'subtype',
  'queue',
  'submittedBy',
  'submittedAt',
  'receivedAt',
  'placedInQueueAt',
  'movedToQueueAt',
  'deliveredAt',
  'submittedToRouterAt',
] as const;

/** Inverse of {@link interactionToJson}, in the compact form, sharing repeated strings (see {@link intern}). */
export function interactionFromJson(text: string): PackedInteraction {
  const o = JSON.parse(text) as Record<string, unknown> & {
    userData: string | StoredKv;
    priority?: number;
    externalId?: string;
  };
  if (o.placement === undefined) fromFlatRecord(o);
  for (const k of INTERNED) {
    const v = o[k];
    if (typeof v === 'string') o[k] = intern(v);
  }
  const userData = o.userData;
  if (typeof userData !== 'string') {
    // A row written before user data was packed (the constructor copies only the interaction's fields).
    return packed({ ...(o as unknown as Fields), userData: kvFromStored(userData) });
  }
  // The parsed object serves as the fields (its userData, priority and externalId are not copied).
  return new PackedInteraction(o as unknown as Fields, userData, o.priority, o.externalId);
}

/**
 * A record stored before the model was explicit (a state number, handling agent ids, one invite, the holding routing
 * engine and a workbin beside each other) rewritten in place as placement, parties and invitations.
 */
function fromFlatRecord(o: Record<string, unknown>): void {
  const wb = o.workbin as { name: string; agentId?: string; placeId?: string } | undefined;
  const agents = (o.agents as string[] | undefined) ?? [];
  const invite = o.invite as Omit<Invitation, 'operation'> | undefined;
  let placement: Placement;
  if (wb)
    placement = {
      kind: 'workbin',
      workbin: wb.name,
      ...(wb.agentId !== undefined ? { agentId: wb.agentId } : {}),
      ...(wb.placeId !== undefined ? { placeId: wb.placeId } : {}),
    };
  else if (o.state === 3) placement = { kind: 'handled' };
  else if (o.state === 2 && typeof o.routerName === 'string') placement = { kind: 'routing', router: o.routerName };
  else placement = { kind: 'queued' };
  o.placement = placement;
  o.parties =
    placement.kind === 'handled' ? agents.map((agentId): Party => ({ agentId, visibility: 'conference' })) : [];
  o.invitations = invite ? [{ ...invite, operation: 'deliver' } satisfies Invitation] : [];
}
