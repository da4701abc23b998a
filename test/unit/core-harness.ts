/**
 * What the core tests share: an in-process core on a given configuration with an injected clock, clients registered
 * and agents logged in through the core's own requests, and the checks on a plan (who gets what; every IS message
 * encodable on the binary door; a refusal that changes nothing).
 */
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { Core } from '../../src/core/core.ts';
import type { Session } from '../../src/core/model/session.ts';
import type { Plan } from '../../src/core/plan.ts';
import { ClientType } from '../../src/protocol/enums.ts';
import { errorCode, type ErrorName } from '../../src/protocol/errors.ts';
import { isMsg, type IsMessageName, type Message } from '../../src/protocol/message.ts';
import { encodeIsMessage } from '../../src/transport/tcp/is-codec.ts';

/** A core, its clock, and its clients. */
export interface World {
  readonly core: Core;
  /** Registers a client; fails the test when refused. */
  readonly reg: (type: number, name: string) => Session;
  /** One request of a session (with the world's ReferenceId unless the attributes give one). */
  readonly send: (s: Session, name: IsMessageName, attrs?: Message['attrs']) => Plan;
  /** A desktop ('Desktop') with an agent logged in at a place, ready for e-mail. */
  readonly agent: (id: string, place: string) => Session;
  /** A media server submits an inbound e-mail for tenant 1 into `queue` (with these attributes besides). */
  readonly submit: (ms: Session, queue: string, attrs?: Message['attrs']) => Plan;
  /** Moves the clock on; returns the new time. */
  readonly advance: (ms: number) => number;
  /** The clock's time. */
  readonly at: () => number;
}

/** A core on `config` whose clock starts at `start`; interaction ids X1, X2, ... */
export function coreWorld(config: ConfigInput, start: number, referenceId?: number): World {
  let now = start;
  let n = 0;
  const core = new Core({
    config: parseConfig(config, 'test'),
    clock: () => now,
    newInteractionId: () => `X${String(++n)}`,
  });
  const reg = (type: number, name: string): Session => {
    const r = core.register(isMsg('RequestRegisterClient', { ClientType: type, ClientName: name }));
    assert.ok(r.session, JSON.stringify(r.error?.attrs));
    return r.session;
  };
  const send = (s: Session, name: IsMessageName, attrs: Message['attrs'] = {}): Plan =>
    core.handle(s, isMsg(name, referenceId === undefined ? attrs : { ReferenceId: referenceId, ...attrs }));
  const agent = (id: string, place: string): Session => {
    const s = reg(ClientType.AgentApplication, 'Desktop');
    const p = send(s, 'RequestAgentLogin', {
      TenantId: 1,
      AgentId: id,
      PlaceId: place,
      MediaList: [{ key: 'email', value: 1 }],
    });
    assert.equal(p.out[0]?.message.name, 'EventAck');
    return s;
  };
  const submit = (ms: Session, queue: string, attrs: Message['attrs'] = {}): Plan =>
    send(ms, 'RequestSubmit', {
      TenantId: 1,
      MediaType: 'email',
      InteractionType: 'Inbound',
      InteractionSubtype: 'InboundNew',
      Queue: queue,
      ...attrs,
    });
  return { core, reg, send, agent, submit, advance: (ms) => (now += ms), at: () => now };
}

/** Every Interaction Server message a plan holds must be encodable on the binary door (see the encoder's checks). */
export function assertEncodable(plans: Plan | readonly Plan[]): void {
  for (const plan of Array.isArray(plans) ? plans : [plans]) {
    for (const o of plan.out) if (o.message.protocol === 'is') encodeIsMessage(o.message);
    for (const op of plan.store) if (op.op === 'event') encodeIsMessage(op.event.message);
  }
}

/** A plan as [recipient, message name] pairs (checked encodable first). */
export function who(plan: Plan): [number, string][] {
  assertEncodable(plan);
  return plan.out.map((o) => [o.to, o.message.name]);
}

/** The message of a name a plan sends to one session (the test fails when there is none). */
export function msg(plan: Plan, to: number, name: string): Message {
  const m = plan.out.find((o) => o.to === to && o.message.name === name)?.message;
  assert.ok(m, `${name} to ${String(to)} in ${JSON.stringify(who(plan))}`);
  return m;
}

/** A refusal: exactly one EventError to the requester, with the registry code and a description, nothing stored. */
export function refused(plan: Plan, to: number, error: ErrorName, mentions: string): void {
  assert.deepEqual(who(plan), [[to, 'EventError']]);
  assert.equal(plan.out[0]?.message.attrs.ErrorCode, errorCode(error));
  assert.match(String(plan.out[0]?.message.attrs.ErrorDescription), new RegExp(mentions));
  assert.deepEqual(plan.store, []);
}
