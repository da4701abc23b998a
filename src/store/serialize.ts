/** Interaction <-> JSON text for storage (KV values keep their wire types). */
import { kvFromStored, kvToStored, type KvList, type StoredKv } from '../protocol/kv.ts';
import type { Interaction } from './types.ts';

/** Serialises an interaction for a store row. */
export function interactionToJson(ix: Interaction): string {
  return JSON.stringify({ ...ix, userData: kvToStored(ix.userData) });
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

/** No agents: one shared empty list instead of one per interaction. */
export const NO_AGENTS: readonly string[] = Object.freeze([]);

/** Inverse of {@link interactionToJson}, sharing repeated strings (see {@link intern}). */
export function interactionFromJson(text: string): Interaction {
  const o = JSON.parse(text) as Record<string, unknown> & { userData: StoredKv; agents: string[] };
  for (const k of INTERNED) {
    const v = o[k];
    if (typeof v === 'string') o[k] = intern(v);
  }
  const ud: KvList = kvFromStored(o.userData).map((p) => ({ key: intern(p.key), value: p.value }));
  (o as Record<string, unknown>).userData = ud;
  if (o.agents.length === 0) (o as Record<string, unknown>).agents = NO_AGENTS;
  return o as unknown as Interaction;
}
