/**
 * The seed scenario (spec §2): Change Properties, phases A-D, over real WebSockets against the real server process.
 * Parties: an opted-in media server, a second media server (not opted in), a routing engine, an agent desktop and a
 * reporting engine. Each phase checks exactly who receives what, and that everybody else receives nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import type { TcpClient } from './harness.ts';
import {
  cleanup,
  clientOver,
  quiet,
  startServer,
  submit,
  type AnyClient,
  type Door,
  type Json,
  type RunningServer,
} from './harness.ts';

/**
 * Which front door each party uses. The routing engine always speaks JSON: the T-Library facade has no binary form
 * yet. 'mixed' is issue #3's interoperability line-up: binary media server and reporting engine, JSON agent desktop
 * and routing engine.
 */
const MODES: Record<string, { ms: Door; ms2: Door; agent: Door; re: Door }> = {
  websocket: { ms: 'ws', ms2: 'ws', agent: 'ws', re: 'ws' },
  tcp: { ms: 'tcp', ms2: 'tcp', agent: 'tcp', re: 'tcp' },
  mixed: { ms: 'tcp', ms2: 'ws', agent: 'ws', re: 'tcp' },
};

for (const [modeName, mode] of Object.entries(MODES)) {
  describe(`Change Properties (spec §2) over ${modeName}`, () => {
    let srv: RunningServer;
    let ms: AnyClient; // EmailServer, event_properties_changed=1
    let ms2: AnyClient; // ChatServer, not opted in
    let urs: AnyClient;
    let agent: AnyClient;
    let re: AnyClient;
    let all: AnyClient[];

    /** Interaction handled by agent1 (phase A) and one held by the routing engine (phase B/C). */
    let handled: string;
    let held: string;

    async function drain(): Promise<void> {
      await quiet(all, 100);
    }

    /** Submits into the external queue and returns the id once the routing engine got its EventRouteRequest. */
    async function submitToRouter(by: AnyClient, userData: Json = { Subject: 'Hello', Priority: 3 }): Promise<string> {
      const id = await submit(by, 'Inbound', { userData });
      const rr = await urs.nextEvent();
      assert.equal(rr.message, 'EventRouteRequest');
      assert.equal(rr.connId, id);
      return id;
    }

    before(async () => {
      srv = await startServer();
      ms = await clientOver(srv, mode.ms, 'MediaServer', 'EmailServer', {
        mediaType: 'email',
        extension: { event_properties_changed: 1, event_processing_stopped: 1 },
      });
      ms2 = await clientOver(srv, mode.ms2, 'MediaServer', 'ChatServer', { mediaType: 'chat' });
      urs = await clientOver(srv, 'ws', 'RoutingEngine', 'URS');
      agent = await clientOver(srv, mode.agent, 'AgentApplication', 'Desktop');
      re = await clientOver(srv, mode.re, 'ReportingEngine', 'StatServer');
      all = [ms, ms2, urs, agent, re];
      const login = await agent.request({
        message: 'RequestAgentLogin',
        tenantId: 1,
        placeId: 'Place_1001',
        agentId: 'agent1',
        mediaList: { email: 1 },
      });
      assert.equal(login.message, 'EventAck');

      // An interaction routed to agent1 and accepted: state handling.
      handled = await submitToRouter(ms);
      const routed = urs.request({
        message: 'RequestRouteCall',
        connId: handled,
        targetType: 'agent',
        targetAgent: 'agent1',
      });
      const invite = await agent.nextEvent();
      assert.equal(invite.message, 'EventInvite');
      const acc = await agent.request({ message: 'RequestAccept', ticketId: invite.ticketId, interactionId: handled });
      assert.equal(acc.message, 'EventAck');
      const used = await routed;
      assert.equal(used.message, 'EventRouteUsed');
      assert.equal(used.connId, handled);
      // An interaction held by the routing engine: state routing.
      held = await submitToRouter(ms);
      await drain();
    });

    after(async () => {
      for (const c of all) c.close();
      assert.equal(await srv.stop(), 0);
      cleanup(srv.dataDir);
    });

    function assertPropertiesChanged(
      ev: Json | undefined,
      id: string,
      actor: Json,
      delta: Json,
      version: number,
    ): void {
      assert.ok(ev, 'expected EventPropertiesChanged');
      assert.equal(ev.message, 'EventPropertiesChanged');
      assert.equal(ev.interactionId, id);
      assert.equal(ev.version, version);
      for (const [k, v] of Object.entries(actor)) assert.deepEqual(ev[k], v, `actor ${k}`);
      for (const k of ['addedProperties', 'changedProperties', 'deletedProperties'])
        assert.deepEqual(ev[k], delta[k], k);
      assert.equal(typeof ev.eventTime, 'string');
      assert.match(ev.eventTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(ev.referenceId, undefined, 'events to others carry no referenceId');
    }

    describe('phases', () => {
      it('A: media server changes an interaction an agent handles', async () => {
        const before = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: handled });
        assert.equal(before.interactionState, 'Handling');
        const v0 = before.version as number;
        const ack = await ms.request({
          message: 'RequestChangeProperties',
          interactionId: handled,
          addedProperties: { CaseNumber: 'C-42', Score: 7 },
          changedProperties: { Subject: 'Re: Hello', NewKey: 'x' },
          deletedProperties: { Priority: '' },
        });
        assert.equal(ack.message, 'EventAck');
        assert.equal(ack.version, v0 + 1);
        const delta = {
          addedProperties: { CaseNumber: 'C-42', Score: 7, NewKey: 'x' },
          changedProperties: { Subject: 'Re: Hello' },
          deletedProperties: { Priority: '' },
        };
        const actor = { actorType: 'MediaServer', actorMediaServerId: 'EmailServer', actorTenantId: 1 };
        const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
        assert.deepEqual(gMs, [], 'no echo to the requester');
        assert.deepEqual(gMs2, [], 'other media server gets nothing');
        assert.deepEqual(gUrs, [], 'routing engine does not hold it');
        assert.equal(gAgent?.length, 1);
        assertPropertiesChanged(gAgent?.[0], handled, actor, delta, v0 + 1);
        assert.deepEqual(gAgent?.[0]?.interactionUserData, {
          Subject: 'Re: Hello',
          CaseNumber: 'C-42',
          Score: 7,
          NewKey: 'x',
        });
        assert.equal(gAgent?.[0]?.interactionState, 'Handling');
        assert.equal(gRe?.length, 1);
        assertPropertiesChanged(gRe?.[0], handled, actor, delta, v0 + 1);
        const after = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: handled });
        assert.deepEqual(after.interactionUserData, {
          Subject: 'Re: Hello',
          CaseNumber: 'C-42',
          Score: 7,
          NewKey: 'x',
        });
        assert.equal(after.version, v0 + 1);
      });

      it('A: a burst sent without waiting: acks in order with consecutive versions, every event in order, a read behind them sees the last', async () => {
        const before = await ms.request({ message: 'RequestGetInteractionProperties', interactionId: handled });
        const v0 = before.version as number;
        const n = 40;
        const order: number[] = [];
        // Sent about 1 ms apart without waiting for replies: they reach the server in different event-loop turns, so
        // several group commits are in flight together (a commit takes about that long).
        const acks: Promise<Json>[] = [];
        for (let i = 0; i < n; i++) {
          acks.push(
            ms
              .request({ message: 'RequestChangeProperties', interactionId: handled, changedProperties: { Burst: i } })
              .then((a) => {
                order.push(i);
                return a;
              }),
          );
          await new Promise((r) => setTimeout(r, i % 2));
        }
        const read = ms.request({ message: 'RequestGetInteractionProperties', interactionId: handled }).then((r) => {
          order.push(n);
          return r;
        });
        const replies = await Promise.all(acks);
        const last = await read;
        assert.deepEqual(
          order,
          Array.from({ length: n + 1 }, (_, i) => i),
          'replies in request order',
        );
        replies.forEach((a, i) => {
          assert.equal(a.message, 'EventAck');
          assert.equal(a.version, v0 + 1 + i);
        });
        assert.equal(last.version, v0 + n);
        assert.equal((last.interactionUserData as Json).Burst, n - 1);
        const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
        assert.deepEqual(gMs, [], 'no echo to the requester');
        assert.deepEqual(gMs2, []);
        assert.deepEqual(gUrs, []);
        for (const [who, got] of [
          ['agent', gAgent],
          ['reporting', gRe],
        ] as const) {
          assert.deepEqual(
            got?.map((e) => [
              e.message,
              e.version,
              ((e.addedProperties ?? e.changedProperties) as Json | undefined)?.Burst,
            ]),
            Array.from({ length: n }, (_, i) => ['EventPropertiesChanged', v0 + 1 + i, i]),
            `${who}: every change, in order`,
          );
        }
      });

      it('A: the handling agent changes it; media server (opted in) and reporting are told, the agent gets only its ack', async () => {
        const v0 = (await re.request({ message: 'RequestGetInteractionProperties', interactionId: handled }))
          .version as number;
        const ack = await agent.request({
          message: 'RequestChangeProperties',
          interactionId: handled,
          changedProperties: { Disposition: 'done' },
        });
        assert.equal(ack.message, 'EventAck');
        assert.equal(ack.version, v0 + 1);
        const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
        const actor = { actorType: 'Agent', actorAgentId: 'agent1', actorPlaceId: 'Place_1001' };
        assert.equal(gMs?.length, 1);
        assertPropertiesChanged(gMs?.[0], handled, actor, { addedProperties: { Disposition: 'done' } }, v0 + 1);
        assert.deepEqual(gMs2, []);
        assert.deepEqual(gUrs, []);
        assert.deepEqual(gAgent, []);
        assert.equal(gRe?.length, 1);
        assertPropertiesChanged(gRe?.[0], handled, actor, { addedProperties: { Disposition: 'done' } }, v0 + 1);
      });

      it('B: media server changes an interaction the routing engine holds', async () => {
        const v0 = (await ms.request({ message: 'RequestGetInteractionProperties', interactionId: held }))
          .version as number;
        const ack = await ms.request({
          message: 'RequestChangeProperties',
          interactionId: held,
          changedProperties: { Subject: 'Changed' },
          expectedVersion: v0,
        });
        assert.equal(ack.message, 'EventAck');
        assert.equal(ack.version, v0 + 1);
        const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
        assert.deepEqual(gMs, []);
        assert.deepEqual(gMs2, []);
        assert.deepEqual(gAgent, []);
        assert.equal(gUrs?.length, 1);
        const adc = gUrs?.[0] as Json;
        assert.equal(adc.message, 'EventAttachedDataChanged');
        assert.equal(adc.connId, held);
        assert.equal(adc.referenceId, undefined);
        assert.deepEqual(adc.userData, { Subject: 'Changed', Priority: 3 });
        assert.deepEqual(adc.changedProperties, { Subject: 'Changed' });
        assert.equal(adc.version, v0 + 1);
        assert.equal(gRe?.length, 1);
        assertPropertiesChanged(
          gRe?.[0],
          held,
          { actorType: 'MediaServer', actorMediaServerId: 'EmailServer' },
          { changedProperties: { Subject: 'Changed' } },
          v0 + 1,
        );
        assert.equal(gRe?.[0]?.interactionState, 'Routing');
      });

      it('C: routing engine RequestUpdateUserData; the opted-in media server gets EventPropertiesChanged', async () => {
        const v0 = (await re.request({ message: 'RequestGetInteractionProperties', interactionId: held }))
          .version as number;
        const reply = await urs.request({
          message: 'RequestUpdateUserData',
          connId: held,
          userData: { RTargetAgentSelected: 'agent1', Subject: 'Routed' },
        });
        assert.equal(reply.message, 'EventAttachedDataChanged');
        assert.equal(reply.connId, held);
        assert.equal(reply.version, v0 + 1);
        assert.deepEqual(reply.userData, { Subject: 'Routed', Priority: 3, RTargetAgentSelected: 'agent1' });
        assert.deepEqual(reply.addedProperties, { RTargetAgentSelected: 'agent1' });
        assert.deepEqual(reply.changedProperties, { Subject: 'Routed' });
        const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
        const actor = { actorType: 'Strategy', actorRouterId: 'URS' };
        const delta = { addedProperties: { RTargetAgentSelected: 'agent1' }, changedProperties: { Subject: 'Routed' } };
        assert.equal(gMs?.length, 1);
        assertPropertiesChanged(gMs?.[0], held, actor, delta, v0 + 1);
        assert.deepEqual(gMs2, []);
        assert.deepEqual(gUrs, [], 'no second copy to the requester');
        assert.deepEqual(gAgent, []);
        assert.equal(gRe?.length, 1);
        assertPropertiesChanged(gRe?.[0], held, actor, delta, v0 + 1);
      });

      it('C: a media server that did not opt in hears nothing of the routing engine change', async () => {
        const id = await submitToRouter(ms2, { Subject: 'chat' });
        await drain();
        const reply = await urs.request({ message: 'RequestUpdateUserData', connId: id, userData: { X: 1 } });
        assert.equal(reply.message, 'EventAttachedDataChanged');
        const [gMs, gMs2, gUrs, gAgent, gRe] = await quiet(all);
        assert.deepEqual(gMs, []);
        assert.deepEqual(gMs2, []);
        assert.deepEqual(gUrs, []);
        assert.deepEqual(gAgent, []);
        assert.equal(gRe?.length, 1);
      });

      it('C: RequestDeleteUserData deletes named keys and answers EventAttachedDataChanged', async () => {
        const reply = await urs.request({
          message: 'RequestDeleteUserData',
          connId: held,
          keys: ['RTargetAgentSelected'],
        });
        assert.equal(reply.message, 'EventAttachedDataChanged');
        assert.deepEqual(reply.deletedProperties, { RTargetAgentSelected: '' });
        assert.deepEqual(reply.userData, { Subject: 'Routed', Priority: 3 });
        const [gMs, , , , gRe] = await quiet(all);
        assert.equal(gMs?.[0]?.message, 'EventPropertiesChanged');
        assert.deepEqual(gMs?.[0]?.deletedProperties, { RTargetAgentSelected: '' });
        assert.equal(gRe?.length, 1);
      });

      describe('D: invalid requests change nothing and tell nobody', () => {
        async function expectRefused(
          who: AnyClient,
          req: Json,
          code: number,
          mentions: string,
          id: string,
        ): Promise<void> {
          const before = await re
            .request({ message: 'RequestGetInteractionProperties', interactionId: id })
            .catch(() => undefined);
          await drain();
          const r = await who.request(req);
          assert.equal(r.message, 'EventError', JSON.stringify(r));
          assert.equal(r.errorCode, code, String(r.errorDescription));
          assert.equal(typeof r.referenceId, 'number');
          assert.ok(
            String(r.errorDescription).includes(mentions),
            `description "${String(r.errorDescription)}" names ${mentions}`,
          );
          const got = await quiet(all);
          assert.deepEqual(got, [[], [], [], [], []], 'nobody hears of a refused request');
          if (before?.message === 'EventInteractionProperties') {
            const afterR = await re.request({ message: 'RequestGetInteractionProperties', interactionId: id });
            assert.deepEqual(afterR.interactionUserData, before.interactionUserData);
            assert.equal(afterR.version, before.version);
          }
        }

        it('unknown interaction -> 43', async () => {
          await expectRefused(
            ms,
            { message: 'RequestChangeProperties', interactionId: 'NOPE', changedProperties: { a: 'b' } },
            43,
            'NOPE',
            'NOPE',
          );
        });
        it('read-only system property, value change -> 66', async () => {
          await expectRefused(
            ms,
            { message: 'RequestChangeProperties', interactionId: handled, changedProperties: { Queue: 'Sales' } },
            66,
            'Queue',
            handled,
          );
        });
        it('read-only system property, new key -> 66', async () => {
          await expectRefused(
            ms,
            { message: 'RequestChangeProperties', interactionId: handled, addedProperties: { SubmittedBy: 'me' } },
            66,
            'SubmittedBy',
            handled,
          );
        });
        it('ExternalId and ParentId are changeable', async () => {
          const r = await ms.request({
            message: 'RequestChangeProperties',
            interactionId: handled,
            changedProperties: { ExternalId: 'ext-1', ParentId: 'p-1' },
          });
          assert.equal(r.message, 'EventAck');
          const p = await ms.request({
            message: 'RequestGetInteractionProperties',
            interactionId: 'ext-1',
            searchByExternalId: true,
          });
          assert.equal(p.interactionId, handled);
          assert.equal(p.interactionParentInteractionId, 'p-1');
          await drain();
        });
        it('added key that exists -> 85', async () => {
          await expectRefused(
            ms,
            { message: 'RequestChangeProperties', interactionId: handled, addedProperties: { Subject: 'dup' } },
            85,
            'Subject',
            handled,
          );
        });
        it('delete of a missing key -> error naming it', async () => {
          await expectRefused(
            ms,
            { message: 'RequestChangeProperties', interactionId: handled, deletedProperties: { Missing: '' } },
            80,
            'Missing',
            handled,
          );
        });
        it('same key in two lists -> 85', async () => {
          await expectRefused(
            ms,
            {
              message: 'RequestChangeProperties',
              interactionId: handled,
              addedProperties: { K: '1' },
              changedProperties: { K: '2' },
            },
            85,
            "'K'",
            handled,
          );
        });
        it('atomic: one bad key refuses the whole request', async () => {
          await expectRefused(
            ms,
            {
              message: 'RequestChangeProperties',
              interactionId: handled,
              changedProperties: { Fine: 'yes', InteractionType: 'x' },
            },
            66,
            'InteractionType',
            handled,
          );
        });
        it('wrong owner: media server that did not submit it -> 35', async () => {
          await expectRefused(
            ms2,
            { message: 'RequestChangeProperties', interactionId: handled, changedProperties: { a: 'b' } },
            35,
            'ChatServer',
            handled,
          );
        });
        it('wrong owner: agent that does not handle it -> 35', async () => {
          await expectRefused(
            agent,
            { message: 'RequestChangeProperties', interactionId: held, changedProperties: { a: 'b' } },
            35,
            'agent1',
            held,
          );
        });
        it('wrong owner: routing engine that does not hold it -> 35', async () => {
          await expectRefused(
            urs,
            { message: 'RequestUpdateUserData', connId: handled, userData: { a: 'b' } },
            35,
            'URS',
            handled,
          );
        });
        it('wrong owner: reporting engine -> 35', async () => {
          await expectRefused(
            re,
            { message: 'RequestChangeProperties', interactionId: handled, changedProperties: { a: 'b' } },
            35,
            'ReportingEngine',
            handled,
          );
        });
        it('version mismatch -> 89 giving both versions', async () => {
          const cur = (await re.request({ message: 'RequestGetInteractionProperties', interactionId: handled }))
            .version as number;
          await expectRefused(
            ms,
            {
              message: 'RequestChangeProperties',
              interactionId: handled,
              changedProperties: { a: 'b' },
              expectedVersion: cur + 5,
            },
            89,
            `expected version ${String(cur + 5)}, current version ${String(cur)}`,
            handled,
          );
        });
        it(
          'wrong value type (non-integer number) -> 65',
          { skip: mode.ms === 'tcp' ? 'a JSON-only value form; see the binary wrong-tag test' : false },
          async () => {
            await expectRefused(
              ms,
              { message: 'RequestChangeProperties', interactionId: handled, changedProperties: { Amount: 1.5 } },
              65,
              'Amount',
              handled,
            );
          },
        );
        it(
          'wrong value type (array, null) -> 65',
          { skip: mode.ms === 'tcp' ? 'a JSON-only value form; see the binary wrong-tag test' : false },
          async () => {
            await expectRefused(
              ms,
              { message: 'RequestChangeProperties', interactionId: handled, changedProperties: { Tags: ['a'] } },
              65,
              'Tags',
              handled,
            );
            await expectRefused(
              ms,
              { message: 'RequestChangeProperties', interactionId: handled, addedProperties: { Nothing: null } },
              65,
              'Nothing',
              handled,
            );
          },
        );
        it('routing engine: read-only key in RequestUpdateUserData -> 66', async () => {
          await expectRefused(
            urs,
            { message: 'RequestUpdateUserData', connId: held, userData: { TenantId: 5 } },
            66,
            'TenantId',
            held,
          );
        });
        it(
          'binary: an attribute with the wrong wire type -> 65, nothing changes',
          { skip: mode.ms === 'tcp' ? false : 'binary only' },
          async () => {
            const c = ms as TcpClient;
            await drain();
            // RequestChangeProperties (103) whose InteractionId (3) is an int instead of a string.
            c.sendRaw(
              encodeFrame(103, [
                { id: 2, tag: 'i', value: 777 },
                { id: 3, tag: 'i', value: 5 },
              ]),
            );
            const r = await c.nextEvent();
            assert.equal(r.message, 'EventError');
            assert.equal(r.referenceId, 777);
            assert.equal(r.errorCode, 65);
            assert.match(String(r.errorDescription), /InteractionId/);
            assert.deepEqual(await quiet(all), [[], [], [], [], []]);
          },
        );
        it('missing InteractionId -> 19', async () => {
          await expectRefused(
            ms,
            { message: 'RequestChangeProperties', changedProperties: { a: 'b' } },
            19,
            'InteractionId',
            handled,
          );
        });
      });
    });
  });
}
