/**
 * Builds one command's plan while it runs: the durable operations, the messages for each party, and the command's
 * changes to interactions and agents, kept in an overlay over the state. Handlers read through the overlay and write
 * only to it; the core applies it (CoreState.apply) after the handler returned, so a command that throws changes
 * nothing.
 */
import type { AttrValue, IsMessageName, Message } from '../protocol/message.ts';
import type { EventRecord, StoreOp } from '../store/types.ts';
import type { Interaction } from './model/interaction.ts';
import { packed, unpacked } from './model/packed.ts';
import type { Attrs, Outbound } from './model/outbound.ts';
import type { AgentState } from './model/session.ts';
import { itxAttrs, tlibWireForm, type RouterTopic } from './render.ts';
import type { Changes, CoreState } from './state.ts';

export type { Attrs, Outbound } from './model/outbound.ts';

/** The outcome of a command: durable ops and the messages each party gets once they are durable. */
export interface Plan {
  readonly store: StoreOp[];
  readonly out: Outbound[];
  /** Sessions the server must end after delivering the plan (an agent forced off by a newer login). */
  readonly close?: readonly number[];
}

/** An interaction being changed by a command: a copy, written back with {@link PlanBuilder.put}. */
export type Draft = { -readonly [K in keyof Interaction]: Interaction[K] };

/** The plan of one command, and its overlay of changes. */
export class PlanBuilder {
  readonly store: StoreOp[] = [];
  readonly out: Outbound[] = [];
  readonly close: number[] = [];
  private interactions = new Map<string, Interaction | null>();
  private agents = new Map<string, AgentState | null>();

  constructor(
    readonly state: CoreState,
    /** This command's time, as event times carry it. */
    readonly now: string,
    /** The same time in ms since the epoch (deadlines are counted from it). */
    readonly nowMs: number = Date.parse(now),
  ) {}

  // ------------------------------------------------------------ reads through the overlay

  /** An interaction as this command sees it. */
  get(id: string): Interaction | undefined {
    const o = this.interactions.get(id);
    if (o !== undefined) return o ?? undefined;
    return this.state.interactions.get(id);
  }

  /** A copy to change. */
  draft(id: string): Draft | undefined {
    const ix = this.get(id);
    return ix ? unpacked(ix) : undefined;
  }

  agent(id: string): AgentState | undefined {
    const o = this.agents.get(id);
    if (o !== undefined) return o ?? undefined;
    return this.state.agents.get(id);
  }

  // ------------------------------------------------------------ writes to the overlay

  /**
   * Writes an interaction's new state, as the command's last word on it (later changes to `d` are not seen). `propertiesOnly`: only user data and version changed, and the change's reporting
   * event is in the same plan, so the store may keep the new state with that event (see StoreOp).
   */
  put(d: Interaction, propertiesOnly = false): void {
    // Packed once here: the state keeps this instance and the store writes its packed user data as is.
    const p = packed(d);
    this.interactions.set(p.id, p);
    this.store.push(
      propertiesOnly ? { op: 'upsert', interaction: p, propertiesOnly } : { op: 'upsert', interaction: p },
    );
  }

  remove(id: string): void {
    this.interactions.set(id, null);
    this.store.push({ op: 'delete', id });
  }

  putAgent(a: AgentState | null, id: string): void {
    this.agents.set(id, a);
  }

  /** Takes the overlay out for CoreState.apply and starts a new one (the router applies step by step). */
  takeChanges(): Changes {
    const changes = { interactions: this.interactions, agents: this.agents };
    this.interactions = new Map();
    this.agents = new Map();
    return changes;
  }

  // ------------------------------------------------------------ messages

  /** The strategy of a queue (see Directory.strategyOf). */
  strategyOf(queue: string): string {
    return this.state.dir.strategyOf(queue);
  }

  /**
   * Plans a message to one session. `about`: a T-Library facade message to a routing engine names the interaction and
   * hand-off it is about, so that an engine on the binary T-Library dialect gets it in its wire form (tlibWireForm).
   */
  send(to: number | undefined, message: Message, about?: RouterTopic): void {
    if (to === undefined) return;
    const dialect = this.state.sessions.get(to)?.dialect;
    // A session of the IS protocol on the binary door (a routing engine that pulls) cannot read T-Library messages.
    if (message.protocol === 'tlib' && dialect === 'is') return;
    const wire = about !== undefined && message.protocol === 'tlib' && dialect === 'tlib';
    this.out.push({ to, message: wire ? tlibWireForm(message, about) : message });
  }

  /** A reporting event: durable in the event log and sent to every reporting engine. */
  report(d: Draft | null, name: IsMessageName, attrs: Attrs): Message {
    // Built in place (the hottest allocation of a change): the interaction's attributes, EventTime, then attrs.
    const all: Record<string, AttrValue> = d ? itxAttrs(d) : {};
    all.EventTime = this.now;
    for (const k in attrs) {
      const v = attrs[k];
      if (v !== undefined) all[k] = v;
    }
    const message: Message = { protocol: 'is', name, attrs: all };
    let ixnSeq: number | null = null;
    if (d) {
      d.eventSeq += 1;
      ixnSeq = d.eventSeq;
    }
    const event: EventRecord = { interactionId: d ? d.id : null, ixnSeq, time: this.now, message };
    this.store.push({ op: 'event', event });
    for (const s of this.state.sessionsOfType('ReportingEngine')) this.send(s.id, message);
    return message;
  }

  plan(): Plan {
    return this.close.length
      ? { store: this.store, out: this.out, close: this.close }
      : { store: this.store, out: this.out };
  }
}
