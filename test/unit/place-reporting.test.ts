/**
 * Place/agent state reporting registrations in the core (place-reporting.ts): the snapshot a reporting engine gets
 * after RequestStartPlaceAgentStateReporting(All), exactly; the TenantList selections; the Stop requests; refusals
 * that change nothing; and, against a naive walk of every place, which places an All snapshot reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConfigInput } from '../../src/config/schema.ts';
import type { Session } from '../../src/core/model/session.ts';
import { ActorType, ClientType } from '../../src/protocol/enums.ts';
import type { Message } from '../../src/protocol/message.ts';
import { coreWorld, msg, refused, who, type World } from './core-harness.ts';

const CONFIG: ConfigInput = {
  tenants: [
    { id: 1, name: 'One' },
    { id: 2, name: 'Two' },
  ],
  mediaTypes: ['email', 'chat'],
  interactionTypes: { Inbound: ['InboundNew'] },
  applications: [
    { name: 'Mail', type: 'MediaServer' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Stat', type: 'ReportingEngine' },
    { name: 'Stat2', type: 'ReportingEngine' },
    { name: 'URS', type: 'RoutingEngine' },
  ],
  places: [
    { id: 'P1', tenant: 1 },
    { id: 'P2', tenant: 1 },
    { id: 'P3', tenant: 1 },
    { id: 'Q1', tenant: 2 },
    { id: 'Q2', tenant: 2 },
  ],
  agents: [
    { id: 'a1', tenant: 1, media: { email: 2, chat: 1 } },
    { id: 'a2', tenant: 1, media: { email: 1 } },
    { id: 'a3', tenant: 1, media: { email: 1 } },
    { id: 'b1', tenant: 2, media: { email: 1 } },
    { id: 'b2', tenant: 2, media: { email: 1 } },
  ],
  queues: [{ name: 'Backlog', tenant: 1 }],
};

const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const T0 = '2026-01-01T09:00:00Z';

function world(): { w: World; stat: Session; stat2: Session } {
  const w = coreWorld(CONFIG, START, 7);
  return { w, stat: w.reg(ClientType.ReportingEngine, 'Stat'), stat2: w.reg(ClientType.ReportingEngine, 'Stat2') };
}

/** Logs an agent in (tenant of its place) with the given media. */
function login(w: World, agent: string, place: string, tenant = 1, media: Record<string, number> = { email: 1 }) {
  const s = w.reg(ClientType.AgentApplication, 'Desktop');
  const p = w.send(s, 'RequestAgentLogin', {
    TenantId: tenant,
    AgentId: agent,
    PlaceId: place,
    MediaList: Object.entries(media).map(([key, value]) => ({ key, value })),
  });
  assert.equal(p.out[0]?.message.name, 'EventAck');
  return s;
}

/** The places (ActorPlaceId) of the EventPlaceAgentState messages a plan sends to `to`, in order. */
function reported(out: readonly { to: number; message: Message }[], to: number): string[] {
  return out
    .filter((o) => o.to === to && o.message.name === 'EventPlaceAgentState')
    .map((o) => {
      return String(o.message.attrs.ActorPlaceId);
    });
}

describe('place/agent state reporting (core)', () => {
  it('Start for one place: EventAck then the place’s agent state, to the requester only; nothing stored', () => {
    const { w, stat, stat2 } = world();
    login(w, 'a1', 'P1', 1, { email: 1, chat: 0 });
    const p = w.send(stat, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P1', TenantId: 1 });
    assert.deepEqual(who(p), [
      [stat.id, 'EventAck'],
      [stat.id, 'EventPlaceAgentState'],
    ]);
    assert.deepEqual(p.store, []);
    assert.deepEqual(p.out[0]?.message.attrs, { ReferenceId: 7 });
    assert.deepEqual(msg(p, stat.id, 'EventPlaceAgentState').attrs, {
      DoNotDisturb: 0,
      DndChangedAt: T0,
      MediaList: [
        { key: 'email', value: 1 },
        { key: 'chat', value: 0 },
      ],
      MediaListEx: [
        {
          key: 'email',
          value: [
            { key: 'MediaAddedAt', value: T0 },
            { key: 'MediaStateChangedAt', value: T0 },
          ],
        },
        {
          key: 'chat',
          value: [
            { key: 'MediaAddedAt', value: T0 },
            { key: 'MediaStateChangedAt', value: T0 },
          ],
        },
      ],
      Interactions: [],
      ActorType: ActorType.Agent,
      ActorTenantId: 1,
      ActorAgentId: 'a1',
      ActorPlaceId: 'P1',
      LoggedInAt: T0,
      EventTime: T0,
    });
    assert.equal(
      p.out.some((o) => o.to === stat2.id),
      false,
    );
  });

  it('the snapshot reflects the agent’s state now: readiness and DND with their times, media added, interactions handled', () => {
    const { w, stat } = world();
    const desk = login(w, 'a1', 'P1', 1, { email: 1 });
    w.advance(60_000);
    w.send(desk, 'RequestNotReadyForMedia', { MediaTypeName: 'email' });
    w.advance(60_000);
    w.send(desk, 'RequestDoNotDisturbOn');
    w.advance(60_000);
    w.send(desk, 'RequestAddMedia', { MediaTypeName: 'chat' });
    const sub = w.send(desk, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      UserData: [{ key: 'Subject', value: 'Hi' }],
    });
    const id = String(sub.out[0]?.message.attrs.InteractionId);
    w.advance(60_000);
    const p = w.send(stat, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P1' });
    const ev = msg(p, stat.id, 'EventPlaceAgentState').attrs;
    assert.equal(ev.DoNotDisturb, 1);
    assert.equal(ev.DndChangedAt, '2026-01-01T09:02:00Z');
    assert.deepEqual(ev.MediaList, [
      { key: 'email', value: 0 },
      { key: 'chat', value: 0 },
    ]);
    assert.deepEqual(ev.MediaListEx, [
      {
        key: 'email',
        value: [
          { key: 'MediaAddedAt', value: T0 },
          { key: 'MediaStateChangedAt', value: '2026-01-01T09:01:00Z' },
        ],
      },
      {
        key: 'chat',
        value: [
          { key: 'MediaAddedAt', value: '2026-01-01T09:03:00Z' },
          { key: 'MediaStateChangedAt', value: '2026-01-01T09:03:00Z' },
        ],
      },
    ]);
    const ixs = ev.Interactions as readonly { key: string; value: readonly { key: string; value: unknown }[] }[];
    assert.deepEqual(
      ixs.map((x) => x.key),
      [id],
    );
    const props = new Map(ixs[0]?.value.map((q) => [q.key, q.value]));
    assert.equal(props.get('InteractionId'), id);
    assert.equal(props.get('Subject'), 'Hi');
    assert.equal(ev.LoggedInAt, T0);
    assert.equal(ev.EventTime, '2026-01-01T09:04:00Z');
    // Removing a media drops it from both lists.
    w.send(desk, 'RequestRemoveMedia', { MediaTypeName: 'chat' });
    const after = msg(
      w.send(stat, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P1' }),
      stat.id,
      'EventPlaceAgentState',
    );
    assert.deepEqual(
      (after.attrs.MediaListEx as readonly { key: string }[]).map((m) => m.key),
      ['email'],
    );
  });

  it('a place without an agent: EventAck only; after a logout too', () => {
    const { w, stat } = world();
    assert.deepEqual(who(w.send(stat, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P2', TenantId: 1 })), [
      [stat.id, 'EventAck'],
    ]);
    const desk = login(w, 'a2', 'P2');
    w.send(desk, 'RequestAgentLogout');
    assert.deepEqual(who(w.send(stat, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P2' })), [
      [stat.id, 'EventAck'],
    ]);
  });

  it('Start All: every occupied place of the tenants and places the TenantList names, each once, in order', () => {
    const { w, stat } = world();
    login(w, 'a1', 'P1');
    login(w, 'a3', 'P3');
    login(w, 'b2', 'Q2', 2);
    const all = (list: unknown[] | undefined): string[] => {
      const p = w.send(
        stat,
        'RequestStartPlaceAgentStateReportingAll',
        list === undefined ? {} : { TenantList: list as never },
      );
      assert.deepEqual(p.out[0]?.message.name, 'EventAck');
      assert.deepEqual(p.store, []);
      return reported(p.out, stat.id);
    };
    assert.deepEqual(all([]), ['P1', 'P3', 'Q2'], 'empty: everything, in configuration order');
    assert.deepEqual(all(undefined), ['P1', 'P3', 'Q2'], 'absent: as empty');
    assert.deepEqual(all([{ key: '2', value: '' }]), ['Q2']);
    assert.deepEqual(
      all([
        { key: '2', value: [] },
        { key: '1', value: '' },
      ]),
      ['Q2', 'P1', 'P3'],
      'tenants as listed',
    );
    assert.deepEqual(all([{ key: '1', value: [{ key: 'Places', value: '' }] }]), ['P1', 'P3']);
    assert.deepEqual(
      all([
        {
          key: '1',
          value: [
            {
              key: 'Places',
              value: [
                { key: 'P3', value: '' },
                { key: 'P2', value: '' },
                { key: 'P3', value: '' },
              ],
            },
            { key: 'Queues', value: '' },
          ],
        },
      ]),
      ['P3'],
      'named places, each once; an empty one reports nothing',
    );
    assert.deepEqual(
      all([
        { key: 'ESP', value: [{ key: 'Mail', value: '' }] },
        {
          key: '1',
          value: [
            { key: 'Queues', value: '' },
            { key: 'Strategies', value: '' },
            { key: 'Workbins', value: '' },
          ],
        },
      ]),
      [],
      'ESP and the other kinds are accepted and ignored; a tenant entry without Places names no place',
    );
    assert.deepEqual(
      all([
        { key: '1', value: '' },
        { key: '1', value: [{ key: 'Places', value: [{ key: 'P1', value: '' }] }] },
      ]),
      ['P1', 'P3'],
    );
  });

  it('Stop and Stop All: EventAck only; the reporting events go on as before', () => {
    const { w, stat, stat2 } = world();
    const desk = login(w, 'a1', 'P1');
    assert.deepEqual(who(w.send(stat, 'RequestStopPlaceAgentStateReporting', { PlaceId: 'P1', TenantId: 1 })), [
      [stat.id, 'EventAck'],
    ]);
    assert.deepEqual(who(w.send(stat, 'RequestStopPlaceAgentStateReportingAll', { TenantList: [] })), [
      [stat.id, 'EventAck'],
    ]);
    // A registration neither adds nor removes anything from what reporting engines get afterwards.
    w.send(stat, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P1' });
    assert.deepEqual(who(w.send(desk, 'RequestNotReadyForMedia', { MediaTypeName: 'email' })), [
      [desk.id, 'EventAck'],
      [stat.id, 'EventNotReadyForMedia'],
      [stat2.id, 'EventNotReadyForMedia'],
    ]);
  });

  it('refusals name what is wrong and change nothing', () => {
    const { w, stat } = world();
    login(w, 'a1', 'P1');
    const mail = w.reg(ClientType.MediaServer, 'Mail');
    const desk = login(w, 'a2', 'P2');
    const urs = w.reg(ClientType.RoutingEngine, 'URS');
    for (const s of [mail, desk, urs]) {
      refused(
        w.send(s, 'RequestStartPlaceAgentStateReporting', { PlaceId: 'P1' }),
        s.id,
        'ErrorUnsupportedProtocolElement',
        'RequestStartPlaceAgentStateReporting is not allowed',
      );
      refused(
        w.send(s, 'RequestStartPlaceAgentStateReportingAll', { TenantList: [] }),
        s.id,
        'ErrorUnsupportedProtocolElement',
        'not allowed',
      );
    }
    for (const name of ['RequestStartPlaceAgentStateReporting', 'RequestStopPlaceAgentStateReporting'] as const) {
      refused(w.send(stat, name, {}), stat.id, 'Error_place_not_specified', 'PlaceId');
      refused(w.send(stat, name, { PlaceId: 'Nowhere' }), stat.id, 'Error_unknown_place_in_request', "'Nowhere'");
      refused(
        w.send(stat, name, { PlaceId: 'Q1', TenantId: 1 }),
        stat.id,
        'Error_unknown_place_in_request',
        "'Q1' is not a configured place of tenant 1",
      );
      refused(w.send(stat, name, { PlaceId: 'P1', TenantId: 9 }), stat.id, 'Error_unknown_tenant_in_request', '9');
    }
    for (const name of ['RequestStartPlaceAgentStateReportingAll', 'RequestStopPlaceAgentStateReportingAll'] as const) {
      const bad = (list: unknown[], error: Parameters<typeof refused>[2], mentions: string): void => {
        refused(w.send(stat, name, { TenantList: list as never }), stat.id, error, mentions);
      };
      // A valid first entry does not make a later bad one pass: nothing is sent for the request.
      bad(
        [
          { key: '1', value: '' },
          { key: '9', value: '' },
        ],
        'Error_unknown_tenant_in_request',
        "'9'",
      );
      bad([{ key: 'Sales', value: '' }], 'Error_unknown_tenant_in_request', "'Sales'");
      bad(
        [{ key: '1', value: [{ key: 'Places', value: [{ key: 'Q1', value: '' }] }] }],
        'Error_unknown_place_in_request',
        "'Q1'.*tenant 1",
      );
      bad([{ key: '1', value: [{ key: 'Agents', value: '' }] }], 'Error_invalid_protocol_message', "'Agents'");
      bad([{ key: '1', value: 'P1' }], 'Error_invalid_protocol_message', 'tenant 1.*"P1"');
      bad([{ key: '1', value: [{ key: 'Places', value: 'P1' }] }], 'Error_invalid_protocol_message', 'Places');
    }
  });

  it('an All snapshot reports exactly the occupied places a naive walk of every place selects', () => {
    const places = ['P1', 'P2', 'P3', 'Q1', 'Q2'] as const;
    const agents = ['a1', 'a2', 'a3', 'b1', 'b2'] as const;
    const tenantOf = (place: string): number => (place.startsWith('P') ? 1 : 2);
    const entry = fc.oneof(
      fc.constant('all' as const),
      fc.constant('none' as const),
      fc.subarray([...places], { minLength: 1 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.array(fc.tuple(fc.constantFrom(1, 2), entry), { maxLength: 3 }),
        (occupied, selection) => {
          const { w, stat } = world();
          // Agent i at place i (tenants match: a* at P*, b* at Q*) when drawn.
          places.forEach((place, i) => {
            if (occupied[i] === true) login(w, agents[i] as string, place, tenantOf(place));
          });
          const list = selection.map(([tenant, e]) => {
            if (e === 'all') return { key: String(tenant), value: '' };
            if (e === 'none') return { key: String(tenant), value: [{ key: 'Queues', value: '' }] };
            const own = e.filter((p) => tenantOf(p) === tenant);
            const value = own.length ? own.map((p) => ({ key: p, value: '' })) : '';
            return { key: String(tenant), value: [{ key: 'Places', value }] };
          });
          const p = w.send(stat, 'RequestStartPlaceAgentStateReportingAll', { TenantList: list as never });
          // Naive: every place of every tenant entry, in order, kept if occupied, each once.
          const want: string[] = [];
          const pick = (place: string): void => {
            if (occupied[places.indexOf(place as (typeof places)[number])] === true && !want.includes(place))
              want.push(place);
          };
          if (list.length === 0) places.forEach(pick);
          for (const [tenant, e] of selection) {
            if (e === 'none') continue;
            const own = e === 'all' ? [] : e.filter((q) => tenantOf(q) === tenant);
            const all = e === 'all' || own.length === 0;
            (all ? places.filter((q) => tenantOf(q) === tenant) : own).forEach(pick);
          }
          assert.deepEqual(reported(p.out, stat.id), want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
