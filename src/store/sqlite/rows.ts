/** Store operations as plain rows: what the commit worker receives (strings and numbers only, cheap to transfer). */
import { jsonText } from '../../protocol/json-form.ts';
import { stateOf } from '../../core/model/interaction.ts';
import { interactionToJson } from '../../core/model/packed.ts';
import type { StoreOp } from '../types.ts';

/** One row operation. */
export type Row =
  | readonly [op: 'u', id: string, tenantId: number, state: number, queue: string, version: number, data: string]
  | readonly [op: 'd', id: string]
  | readonly [
      op: 'e',
      interactionId: string | null,
      ixnSeq: number | null,
      name: string,
      time: string,
      payload: string,
      /** The interaction's whole new state, when its row is not rewritten (a properties-only change). */
      state: string | null,
    ];

/**
 * Turns operations into rows, keeping the hot path append-only. A properties-only change (the commonest write) does
 * not rewrite the interaction's row: its new state travels with the change's event row ("kept state"), one sequential
 * append. The writer brings the interaction rows up to date from the kept states later, when no commit waits
 * ("settle", schema.ts); loading takes the rows plus the kept states after the settled position (sqlite-store.ts).
 * An interaction written several times in one batch is written once (its last state).
 */
export function toRows(ops: readonly StoreOp[]): Row[] {
  const lastWrite = new Map<string, number>();
  const lastEvent = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.op === 'upsert') lastWrite.set(op.interaction.id, i);
    else if (op.op === 'delete') lastWrite.set(op.id, i);
    else if (op.event.interactionId !== null) lastEvent.set(op.event.interactionId, i);
  });
  /** Event op index -> the interaction state it carries. */
  const stateAt = new Map<number, string>();
  const rows: Row[] = [];
  ops.forEach((op, i) => {
    if (op.op === 'upsert') {
      const ix = op.interaction;
      if (lastWrite.get(ix.id) !== i) return;
      const carrier = lastEvent.get(ix.id);
      const carrierOp = carrier === undefined ? undefined : ops[carrier];
      // Only the event that numbers this very state may carry it (so that loading restores eventSeq exactly).
      if (op.propertiesOnly && carrierOp?.op === 'event' && carrierOp.event.ixnSeq === ix.eventSeq) {
        stateAt.set(carrier as number, interactionToJson(ix));
        return;
      }
      rows.push(['u', ix.id, ix.tenantId, stateOf(ix), ix.queue, ix.version, interactionToJson(ix)]);
    } else if (op.op === 'delete') {
      if (lastWrite.get(op.id) !== i) return;
      rows.push(['d', op.id]);
    }
  });
  // Events in order, after the rows (one transaction: the order inside it does not matter for what is durable).
  ops.forEach((op, i) => {
    if (op.op !== 'event') return;
    const e = op.event;
    rows.push(['e', e.interactionId, e.ixnSeq, e.message.name, e.time, jsonText(e.message), stateAt.get(i) ?? null]);
  });
  return rows;
}
