/** Interaction <-> JSON text for storage (KV values keep their wire types). */
import { kvFromStored, kvToStored, type StoredKv } from '../protocol/kv.ts';
import type { Interaction } from './types.ts';

/** Serialises an interaction for a store row. */
export function interactionToJson(ix: Interaction): string {
  return JSON.stringify({ ...ix, userData: kvToStored(ix.userData) });
}

/** Inverse of {@link interactionToJson}. */
export function interactionFromJson(text: string): Interaction {
  const o = JSON.parse(text) as Omit<Interaction, 'userData'> & { userData: StoredKv };
  return { ...o, userData: kvFromStored(o.userData) };
}
