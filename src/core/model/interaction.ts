/**
 * The interaction model, explicit (design note: Temporal's explicit states). Where an interaction is is one
 * {@link Placement}; who works on it is its {@link Party} list; who is being asked to is its {@link Invitation} list.
 * The reported InteractionState is derived from the placement, never stored beside it. Only the transition module
 * (`core/interaction-machine.ts`) changes these three; every other module reads them.
 *
 * This folder is the bottom of the core: it imports only the protocol layer, and the store imports it (the store keeps
 * what the core defines, not the other way round).
 */
import { InteractionState } from '../../protocol/enums.ts';
import type { KvList } from '../../protocol/kv.ts';

/** InteractionState numbers (reference §3.3) an interaction can be in. */
export type IxnState = 0 | 2 | 3;

/**
 * Where an interaction is:
 * - `queued`: in its queue (`Interaction.queue`), waiting for someone to take it unless an invitation is pending;
 * - `routing`: held by a routing engine (its application name), which decides where it goes;
 * - `workbin`: parked in a workbin (`Interaction.queue` names it too) of an agent or a place;
 * - `handled`: with its parties (agents working on it).
 */
export type Placement =
  | { readonly kind: 'queued' }
  | {
      readonly kind: 'routing';
      readonly router: string;
      /** When the routing timeout takes it back (ms since the epoch); absent on records stored before timers. */
      readonly deadline?: number;
      /**
       * This hand-off's ConnID (16 hex digits): what a routing engine on the binary T-Library dialect names the
       * interaction by while it holds it. Fresh for every hand-off; absent on records stored before ConnIDs.
       */
      readonly connId?: string;
      /**
       * The session holding it, when that is a routing engine on the binary T-Library dialect: only that session
       * knows the ConnID, so the interaction goes back to its queue when that session ends (JSON-door sessions of one
       * engine share what it holds).
       */
      readonly session?: number;
    }
  | {
      readonly kind: 'workbin';
      readonly workbin: string;
      /** Its owner: exactly one of these, by the workbin's type. */
      readonly agentId?: string;
      readonly placeId?: string;
      readonly agentGroupId?: string;
      readonly placeGroupId?: string;
    }
  | { readonly kind: 'handled' };

/** How a party takes part (lifecycle §5: conference visibility modes; only `conference` is used so far). */
export type Visibility = 'conference' | 'coach' | 'monitor';

/** An agent working on an interaction. */
export interface Party {
  readonly agentId: string;
  /** The place it works at (absent only on records stored before parties were; read the agent's login then). */
  readonly placeId?: string;
  readonly visibility: Visibility;
  /**
   * When its handling timeout returns the interaction to its queue (ms since the epoch), restarted by every change the
   * agent makes to it; absent when there is no queue to return to (submitted by an agent without one).
   */
  readonly deadline?: number;
}

/** The handling agent that asked for a transfer or conference, and the request awaiting its answer. */
export interface Inviter {
  readonly agentId: string;
  /** Session that sent the RequestTransfer / RequestConference (0 after a restart: nobody to answer). */
  readonly sessionId: number;
  /** Its ReferenceId, echoed by the EventAck or EventError that answers it when the invitation ends. */
  readonly referenceId?: number;
}

/** A pending invitation: EventInvite sent, RequestAccept or RequestReject awaited. */
export interface Invitation {
  readonly ticketId: number;
  readonly agentId: string;
  readonly placeId: string;
  /** Session that got the EventInvite. */
  readonly sessionId: number;
  /**
   * What accepting it does: `deliver` makes the invitee its handler (built-in router, RequestRouteCall); `transfer`
   * replaces the inviter with the invitee; `conference` adds the invitee beside the parties (with `visibility`).
   */
  readonly operation: 'deliver' | 'transfer' | 'conference';
  /** Transfer and conference: who asked, and its pending request. */
  readonly inviter?: Inviter;
  /** Conference: how the invitee takes part. */
  readonly visibility?: Visibility;
  /** Routing engine application that asked for it (RequestRouteCall), when one did. */
  readonly routerName?: string;
  /** ReferenceId of that RequestRouteCall (echoed by EventRouteUsed). */
  readonly routeReferenceId?: number;
  /** The ConnID of the hand-off that RequestRouteCall ended (EventRouteUsed names it on the binary dialect). */
  readonly routeConnId?: string;
  /** When the delivering timeout revokes it (ms since the epoch); absent on records stored before timers. */
  readonly deadline?: number;
}

/** One live interaction: everything that is persisted. */
export interface Interaction {
  readonly id: string;
  readonly tenantId: number;
  readonly mediaType: string;
  readonly type: string;
  readonly subtype: string;
  /** The queue (or workbin) it was last placed in: its Queue property in every placement. */
  readonly queue: string;
  readonly placement: Placement;
  /** Agents working on it (placement `handled`); empty otherwise. */
  readonly parties: readonly Party[];
  /** Pending invitations (at most one at a time: a delivery, or one transfer or conference of a handled one). */
  readonly invitations: readonly Invitation[];
  readonly submittedBy: string;
  readonly submittedAt: string;
  readonly receivedAt: string;
  /**
   * An online interaction (a chat, a call: its media server keeps a live session with the customer) is stopped when
   * the media server that submitted it goes away. Set at the submit; only a media server changes it later.
   */
  readonly isOnline: boolean;
  /** When its media server turned IsOnline from 1 to 0 (AbandonedAt); absent while online or never online. */
  readonly abandonedAt?: string;
  readonly parentId?: string;
  readonly userData: KvList;
  /** Grows by one with every accepted change (spec §2, beyond Genesys). */
  readonly version: number;
  /** Number of the last reporting event of this interaction in the event log. */
  readonly eventSeq: number;
  /** The agent that last rejected it: offered it again only when no other candidate is available. */
  readonly lastRejectedBy?: string;
  /** On hold (RequestHold, or placed with Hold): never offered while held. */
  readonly held?: boolean;
  readonly heldAt?: string;
  /**
   * Locked by this snapshot (RequestTakeSnapshot with Lock, RequestLockInteraction): never offered, pulled, moved by
   * others or shown in views while locked. Snapshots end with their session, so a restart releases every lock.
   */
  readonly lockedBy?: number;
  readonly submittedToRouterAt?: string;
  readonly deliveredAt?: string;
  readonly placedInQueueAt?: string;
  readonly movedToQueueAt?: string;
}

// Shared, frozen values: a million interactions share these instead of holding their own copies.
export const QUEUED: Placement = Object.freeze({ kind: 'queued' });
export const HANDLED: Placement = Object.freeze({ kind: 'handled' });
export const NO_PARTIES: readonly Party[] = Object.freeze([]);
export const NO_INVITATIONS: readonly Invitation[] = Object.freeze([]);
const routingPlacements = new Map<string, Placement>();

/** The placement "held by this routing engine" (one shared value per engine). */
export function routingBy(router: string): Placement {
  let p = routingPlacements.get(router);
  if (!p) {
    if (routingPlacements.size >= 1024) routingPlacements.clear();
    routingPlacements.set(router, (p = Object.freeze({ kind: 'routing', router })));
  }
  return p;
}

/** The shared instance of a placement equal to `p` (workbin placements are their own). */
export function sharedPlacement(p: Placement): Placement {
  switch (p.kind) {
    case 'queued':
      return QUEUED;
    case 'handled':
      return HANDLED;
    case 'routing':
      return p.deadline === undefined && p.connId === undefined && p.session === undefined ? routingBy(p.router) : p;
    default:
      return p;
  }
}

/** The ConnID of the hand-off holding an interaction, while a routing engine holds it. */
export function connIdOf(ix: Pick<Interaction, 'placement'>): string | undefined {
  return ix.placement.kind === 'routing' ? ix.placement.connId : undefined;
}

/** The InteractionState an interaction reports (reference §3.3), read from its placement. */
export function stateOf(ix: Pick<Interaction, 'placement'>): IxnState {
  switch (ix.placement.kind) {
    case 'routing':
      return InteractionState.Routing;
    case 'handled':
      return InteractionState.Handling;
    default:
      return InteractionState.Queued;
  }
}

/**
 * Whether an interaction is in its queue with no invitation pending, locked or not: what a snapshot may list as
 * queued (and lock, when no other snapshot has).
 */
export function inQueueFree(ix: Pick<Interaction, 'placement' | 'invitations'>): boolean {
  return ix.placement.kind === 'queued' && ix.invitations.length === 0;
}

/**
 * Whether an interaction is in its queue and free to be taken (no invitation pending, not locked), held or not: what
 * the views index (a pull with IgnoreHold may take a held one).
 */
export function inQueue(ix: Pick<Interaction, 'placement' | 'invitations' | 'lockedBy'>): boolean {
  return ix.placement.kind === 'queued' && ix.invitations.length === 0 && ix.lockedBy === undefined;
}

/** Whether an interaction waits in its queue for someone to take it (in the queue, not held, not locked): offered. */
export function isWaiting(ix: Pick<Interaction, 'placement' | 'invitations' | 'held' | 'lockedBy'>): boolean {
  return ix.placement.kind === 'queued' && ix.invitations.length === 0 && ix.held !== true && ix.lockedBy === undefined;
}

/** The routing engine holding it (placement `routing`), if one does. */
export function routerOf(ix: Pick<Interaction, 'placement'>): string | undefined {
  return ix.placement.kind === 'routing' ? ix.placement.router : undefined;
}

/** Whether an agent is one of its handling parties. */
export function isHandledBy(ix: Pick<Interaction, 'placement' | 'parties'>, agentId: string): boolean {
  return ix.placement.kind === 'handled' && ix.parties.some((p) => p.agentId === agentId);
}

/** Its pending invitation for an agent, if any. */
export function invitationOf(ix: Pick<Interaction, 'invitations'>, agentId: string): Invitation | undefined {
  return ix.invitations.find((i) => i.agentId === agentId);
}
