/**
 * An interaction as the HTTP door shows it (GET /api/interactions/:id and every search item): the JSON form of
 * EventInteractionProperties with its version, plus `handledBy`, the agents handling it (none unless it is handled),
 * which the protocol message does not carry.
 */
import type { Core } from '../core/core.ts';
import type { Interaction } from '../core/model/interaction.ts';
import { toJsonObject } from '../protocol/json-form.ts';
import { isMsg } from '../protocol/message.ts';

export function interactionJson(core: Core, ix: Interaction): Record<string, unknown> {
  return {
    ...toJsonObject(
      isMsg('EventInteractionProperties', {
        ...core.itxAttrs(ix),
        SubmittedToRouterAt: ix.submittedToRouterAt,
        Version: ix.version,
      }),
    ),
    handledBy: ix.placement.kind === 'handled' ? ix.parties.map((p) => p.agentId) : [],
  };
}
