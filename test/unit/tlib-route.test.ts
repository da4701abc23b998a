/**
 * The target of a T-Library RequestRouteCall (issue #12): one table read in a fixed order — Extensions naming the
 * target, then RouteType Reject / CallDisconnect, then OtherDN as a queue, a workbin, a place or an agent — and a
 * refusal that names what matched nothing. Checked against the demo configuration's queues, workbins, places, agents.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { DEMO_CONFIG } from '../../src/config/demo.ts';
import type { Ctx } from '../../src/core/context.ts';
import { Core } from '../../src/core/core.ts';
import { resolveRouteTarget } from '../../src/core/tlib-link.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { tlibMsg, type AttrValue } from '../../src/protocol/message.ts';
import { tlibErrorCodeOf } from '../../src/protocol/tlib-wire.ts';

const core = new Core({ config: parseConfig(DEMO_CONFIG, 'demo'), clock: () => Date.UTC(2026, 0, 1) });
const dir = core.dir;
const queue = [...dir.queues.keys()][0] as string;
const place = [...dir.places.keys()][0] as string;
const agent = [...dir.agents.keys()][0] as string;
const tenant = dir.queues.get(queue)?.tenant;

function target(attrs: Record<string, AttrValue>): Record<string, AttrValue | undefined> {
  const m = tlibMsg('RequestRouteCall', { ConnId: '0001000000000001', ...attrs });
  const r = resolveRouteTarget({ core, m, a: m.attrs } as unknown as Ctx, tenant);
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
}

const ext = (o: Record<string, string>): AttrValue => Object.entries(o).map(([key, value]) => ({ key, value }));

describe('RequestRouteCall target (T-Library)', () => {
  it('OtherDN: a queue, a place, an agent', () => {
    assert.ok(queue && place && agent, 'the demo configuration has a queue, a place and an agent');
    assert.deepEqual(target({ OtherDN: queue, RouteType: 1 }), { TargetType: 2, TargetQueue: queue });
    assert.deepEqual(target({ OtherDN: place }), { TargetType: 1, TargetPlace: place });
    assert.deepEqual(target({ OtherDN: agent }), { TargetType: 1, TargetAgent: agent });
  });

  it("OtherDN: a workbin of the interaction's tenant, its owner from the Extensions", () => {
    assert.equal(tenant, 1);
    assert.deepEqual(target({ OtherDN: 'Drafts', Extensions: ext({ agent: agent }) }), {
      TargetType: 3,
      TargetWorkbin: 'Drafts',
      TargetAgent: agent,
    });
  });

  it('Extensions come first, case-insensitive, in our names or the resource model: agent, place, queue, workbin, stop', () => {
    assert.deepEqual(target({ OtherDN: queue, Extensions: ext({ TargetType: 'agent', TargetAgent: 'a1' }) }), {
      TargetType: 1,
      TargetAgent: 'a1',
    });
    assert.deepEqual(target({ OtherDN: 'a2', Extensions: ext({ TYPE: 'A' }) }), { TargetType: 1, TargetAgent: 'a2' });
    assert.deepEqual(target({ OtherDN: 'P9', Extensions: ext({ type: 'AP' }) }), { TargetType: 1, TargetPlace: 'P9' });
    assert.deepEqual(target({ Extensions: ext({ type: 'iq', id: 'Q' }) }), { TargetType: 2, TargetQueue: 'Q' });
    assert.deepEqual(target({ Extensions: ext({ type: 'wb', TargetWorkbin: 'W', agent: 'a1' }) }), {
      TargetType: 3,
      TargetWorkbin: 'W',
      TargetAgent: 'a1',
    });
    assert.deepEqual(target({ OtherDN: queue, Extensions: ext({ TargetType: 'stop', StopReason: 'spam' }) }), {
      TargetType: 4,
      Reason: 'spam',
    });
  });

  it('RouteType Reject (7) and CallDisconnect (14) stop, with the Reasons Reason; other RouteTypes go by OtherDN', () => {
    const reasons: AttrValue = [{ key: 'Reason', value: 'duplicate' }];
    assert.deepEqual(target({ RouteType: 7, Reasons: reasons }), { TargetType: 4, Reason: 'duplicate' });
    assert.deepEqual(target({ RouteType: 14, OtherDN: queue }), { TargetType: 4 });
    assert.deepEqual(target({ RouteType: 2, OtherDN: queue }), { TargetType: 2, TargetQueue: queue });
  });

  it('nothing matched: Error_routing_target_invalid (TERR_TARG_DN_INV 177) naming what was asked', () => {
    const refused = (attrs: Record<string, AttrValue>, text: string): void => {
      assert.throws(
        () => target(attrs),
        (e: unknown) =>
          e instanceof ProtocolError &&
          e.errorName === 'Error_routing_target_invalid' &&
          tlibErrorCodeOf(e.errorName) === 177 &&
          e.message.includes(text),
      );
    };
    refused({ OtherDN: 'Nowhere' }, "OtherDN 'Nowhere'");
    refused({ RouteType: 1 }, 'no OtherDN');
    refused({ Extensions: ext({ type: 'teleport' }) }, "TargetType 'teleport'");
  });
});
