/** The interaction model: its derived state, its compact form and its stored form, including records stored before it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HANDLED,
  isWaiting,
  NO_INVITATIONS,
  NO_PARTIES,
  QUEUED,
  stateOf,
  type Interaction,
} from '../../src/core/model/interaction.ts';
import { interactionFromJson, interactionToJson, packed, packUserData, unpacked } from '../../src/core/model/packed.ts';

const base: Interaction = {
  id: 'A',
  tenantId: 1,
  mediaType: 'email',
  type: 'Inbound',
  subtype: 'InboundNew',
  queue: 'Inbound',
  placement: { kind: 'queued' },
  parties: [],
  invitations: [],
  submittedBy: 'EmailServer',
  submittedAt: '2026-01-01T00:00:00Z',
  receivedAt: '2026-01-01T00:00:00Z',
  isOnline: false,
  userData: [
    { key: 'Priority', value: 5 },
    { key: 'ExternalId', value: 'X-1' },
  ],
  version: 2,
  eventSeq: 3,
};

/** A record as IXS stored it before placement, parties and invitations (state number, agent ids, one invite). */
function flat(over: Record<string, unknown>): string {
  const { placement: _p, parties: _a, invitations: _i, userData: _u, ...rest } = base;
  return JSON.stringify({
    ...rest,
    userData: packUserData(base.userData),
    priority: 5,
    externalId: 'X-1',
    state: 0,
    agents: [],
    ...over,
  });
}

describe('interaction model', () => {
  it('derives the reported InteractionState and "waiting" from the placement', () => {
    assert.equal(stateOf(base), 0);
    assert.equal(stateOf({ placement: { kind: 'routing', router: 'URS' } }), 2);
    assert.equal(stateOf({ placement: HANDLED }), 3);
    assert.equal(stateOf({ placement: { kind: 'workbin', workbin: 'W', agentId: 'a' } }), 0);
    assert.equal(isWaiting(base), true);
    const inv = { ticketId: 1, agentId: 'a', placeId: 'p', sessionId: 1, operation: 'deliver' } as const;
    assert.equal(isWaiting({ ...base, invitations: [inv] }), false);
    assert.equal(isWaiting({ ...base, placement: { kind: 'workbin', workbin: 'W', placeId: 'p' } }), false);
  });

  it('the compact form shares the empty lists and the common placements, and keeps every field', () => {
    const p = packed(base);
    assert.equal(p.placement, QUEUED);
    assert.equal(p.parties, NO_PARTIES);
    assert.equal(p.invitations, NO_INVITATIONS);
    assert.equal(p.priority, 5);
    assert.equal(p.externalId, 'X-1');
    assert.deepEqual(unpacked(p), base);
    const r = packed({ ...base, placement: { kind: 'routing', router: 'URS' } });
    assert.equal(r.placement, packed({ ...base, id: 'B', placement: { kind: 'routing', router: 'URS' } }).placement);
  });

  it('tells a record that differs in its user data only, and takes that user data in place', () => {
    const p = packed(base);
    const next = (over: Partial<Interaction>): ReturnType<typeof packed> => packed({ ...unpacked(p), ...over });
    const props = next({ userData: [...base.userData, { key: 'Subject', value: 'x' }], version: 3, eventSeq: 4 });
    assert.equal(p.differsInPropertiesOnly(props), true);
    assert.equal(p.differsInPropertiesOnly(p), true);
    for (const over of [
      { placement: { kind: 'routing', router: 'URS' } },
      { queue: 'Other' },
      { heldAt: '2026-01-01T00:00:09Z' },
      { parties: [{ agentId: 'a1', visibility: 'conference' }] },
      { userData: [{ key: 'Priority', value: 6 }, base.userData[1]] },
      { userData: [base.userData[0]] },
    ] as Partial<Interaction>[]) {
      assert.equal(p.differsInPropertiesOnly(next(over)), false, JSON.stringify(over));
    }
    p.takeProperties(props);
    assert.deepEqual(unpacked(p), unpacked(props));
    assert.equal(p.version, 3);
    assert.equal(p.eventSeq, 4);
    assert.equal(p.priority, 5);
  });

  it('round-trips through its stored form (the derived state rides along for the query column only)', () => {
    const h: Interaction = {
      ...base,
      placement: { kind: 'handled' },
      parties: [{ agentId: 'a1', placeId: 'p1', visibility: 'conference' }],
      deliveredAt: '2026-01-01T00:00:05Z',
    };
    const text = interactionToJson(h);
    assert.equal((JSON.parse(text) as { state: number }).state, 3);
    const back = interactionFromJson(text);
    assert.deepEqual(unpacked(back), h);
    assert.equal(back.placement, HANDLED);
    assert.equal(Object.hasOwn(back, 'state'), false);
  });

  it('reads records stored before the model was explicit', () => {
    const queued = interactionFromJson(flat({}));
    assert.deepEqual(unpacked(queued), base);

    const handled = interactionFromJson(flat({ state: 3, agents: ['a1'] }));
    assert.deepEqual(handled.placement, { kind: 'handled' });
    assert.deepEqual(handled.parties, [{ agentId: 'a1', visibility: 'conference' }]);

    const routing = interactionFromJson(
      flat({
        state: 2,
        routerName: 'URS',
        invite: { ticketId: 7, agentId: 'a2', placeId: 'p2', sessionId: 1003, routerName: 'URS', routeReferenceId: 4 },
      }),
    );
    assert.deepEqual(routing.placement, { kind: 'routing', router: 'URS' });
    assert.deepEqual(routing.invitations, [
      {
        ticketId: 7,
        agentId: 'a2',
        placeId: 'p2',
        sessionId: 1003,
        routerName: 'URS',
        routeReferenceId: 4,
        operation: 'deliver',
      },
    ]);
    assert.equal(Object.hasOwn(routing, 'routerName'), false);
    assert.equal(Object.hasOwn(routing, 'invite'), false);

    const parked = interactionFromJson(flat({ queue: 'Drafts', workbin: { name: 'Drafts', placeId: 'p3' } }));
    assert.deepEqual(parked.placement, { kind: 'workbin', workbin: 'Drafts', placeId: 'p3' });
    assert.equal(Object.hasOwn(parked, 'workbin'), false);
    assert.equal(parked.priority, 5);
  });
});
