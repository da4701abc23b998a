/** Store operations as plain rows: what the commit worker receives (strings and numbers only, cheap to transfer). */
import { jsonText } from '../../protocol/json-form.ts';
import { interactionToJson } from '../serialize.ts';
import type { Interaction, StoreOp } from '../types.ts';

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
    ]
  /** Every state kept on an event row so far is now in the interaction rows: record the log position. */
  | readonly [op: 's'];

/** The first commit this long after the last settle settles again (interaction rows catch up with kept states). */
export const SETTLE_INTERVAL_MS = 1000;
/** ... or as soon as this many interactions have a newer state than their row (bounds memory and loading). */
export const SETTLE_MAX_PENDING = 4096;

/**
 * Turns operations into rows, keeping the hot path append-only. A properties-only change (the commonest write) does
 * not rewrite the interaction's row: its new state travels with the change's event row, one sequential append. The
 * planner remembers those interactions ("unsettled") and, in the first commit SETTLE_INTERVAL_MS after the last settle,
 * appends one row write for each of them and an 's' row that records the log position they are settled up to. Loading then needs only
 * the rows plus the kept states after that position (sqlite-store.ts).
 */
export class RowPlanner {
  private readonly unsettled = new Map<string, Interaction>();
  private lastSettle: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = SETTLE_INTERVAL_MS,
  ) {
    this.lastSettle = now();
  }

  /** An interaction loaded from a kept state: its row is behind, so the next settle writes it. */
  adopt(ix: Interaction): void {
    this.unsettled.set(ix.id, ix);
  }

  /**
   * Converts operations to rows. An interaction written several times in one batch is written once (its last state).
   * `settle`: add the settle rows now, whatever the time (closing the store).
   */
  toRows(ops: readonly StoreOp[], settle = false): Row[] {
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
          this.unsettled.set(ix.id, ix);
          return;
        }
        this.unsettled.delete(ix.id);
        rows.push(interactionRow(ix));
      } else if (op.op === 'delete') {
        if (lastWrite.get(op.id) !== i) return;
        this.unsettled.delete(op.id);
        rows.push(['d', op.id]);
      }
    });
    // Events in order, after the rows (one transaction: the order inside it does not matter for what is durable).
    ops.forEach((op, i) => {
      if (op.op !== 'event') return;
      const e = op.event;
      rows.push(['e', e.interactionId, e.ixnSeq, e.message.name, e.time, jsonText(e.message), stateAt.get(i) ?? null]);
    });
    // Also when nothing is unsettled: the recorded position moves on, so loading never scans far.
    const now = this.now();
    if (settle || this.unsettled.size >= SETTLE_MAX_PENDING || now - this.lastSettle >= this.intervalMs) {
      for (const ix of this.unsettled.values()) rows.push(interactionRow(ix));
      rows.push(['s']);
      this.unsettled.clear();
      this.lastSettle = now;
    }
    return rows;
  }
}

/** The row write of an interaction's whole state. */
function interactionRow(ix: Interaction): Row {
  return ['u', ix.id, ix.tenantId, ix.state, ix.queue, ix.version, interactionToJson(ix)];
}
