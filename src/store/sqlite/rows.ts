/** Store operations as plain rows: what the commit worker receives (strings and numbers only, cheap to transfer). */
import { jsonText } from '../../protocol/json-form.ts';
import { interactionToJson } from '../serialize.ts';
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
    ];

/** Converts operations to rows; an interaction upserted several times in one batch is written once (its last state). */
export function toRows(ops: readonly StoreOp[]): Row[] {
  const lastWrite = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.op === 'upsert') lastWrite.set(op.interaction.id, i);
    else if (op.op === 'delete') lastWrite.set(op.id, i);
  });
  const rows: Row[] = [];
  ops.forEach((op, i) => {
    if (op.op === 'upsert') {
      if (lastWrite.get(op.interaction.id) !== i) return;
      const ix = op.interaction;
      rows.push(['u', ix.id, ix.tenantId, ix.state, ix.queue, ix.version, interactionToJson(ix)]);
    } else if (op.op === 'delete') {
      if (lastWrite.get(op.id) !== i) return;
      rows.push(['d', op.id]);
    } else {
      const e = op.event;
      rows.push(['e', e.interactionId, e.ixnSeq, e.message.name, e.time, jsonText(e.message)]);
    }
  });
  return rows;
}
