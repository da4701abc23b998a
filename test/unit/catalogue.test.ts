/**
 * The message catalogue against the reference facts (genesys-reference.md Appendix A, spec §3.2) and the byte-exact
 * vectors of test/fixtures/vectors, which the Genesys Platform SDK produced or accepted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  ESP_MESSAGE_NAMES,
  IS_CATALOGUE,
  STRUCTURES,
  SUPPORTED_REQUESTS,
  TLIB_CATALOGUE,
  TLIB_REQUEST_ATTR_NAMES,
  def,
  isMessageById,
  messageByName,
  tlibMessageById,
  type AttrDef,
  type AttrType,
  type MessageDef,
} from '../../src/protocol/catalogue.ts';
import { ENUMS } from '../../src/protocol/enums.ts';

/** One attribute of a vector (test/fixtures/vectors/README.md "Vector format"). */
interface VectorAttr {
  readonly id: number;
  readonly name: string;
  readonly wireName?: string;
  readonly group?: string;
  readonly type: string;
}
interface Vector {
  readonly name: string;
  readonly message: string;
  readonly messageId: number;
  readonly attributes: readonly VectorAttr[];
}
interface VectorFile {
  readonly vectors: readonly Vector[];
}

function loadVectors(file: string): readonly Vector[] {
  const url = new URL(`../fixtures/vectors/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as VectorFile).vectors;
}

const ALL = [...IS_CATALOGUE, ...TLIB_CATALOGUE];

function isMsgDef(name: string): MessageDef {
  const m = messageByName(name, 'is');
  assert.ok(m, `${name} is not in the IS catalogue`);
  return m;
}

function attrOf(m: MessageDef, name: string): AttrDef {
  const a = m.byName.get(name);
  assert.ok(a, `${m.name} has no attribute ${name}`);
  return a;
}

/** Catalogue type a vector type maps to: int->int, string->string, bool->bool, date->date, enum:X->enum, kvlist->kvlist. */
function compatibleType(vectorType: string): AttrType | undefined {
  if (vectorType.startsWith('enum:')) return 'enum';
  const map: Record<string, AttrType> = {
    int: 'int',
    string: 'string',
    bool: 'bool',
    date: 'date',
    kvlist: 'kvlist',
  };
  return map[vectorType];
}

describe('catalogue: message ids (reference Appendix A)', () => {
  const ids: Record<string, number> = {
    RequestRegisterClient: 100,
    RequestSubmit: 101,
    RequestStopProcessing: 102,
    RequestChangeProperties: 103,
    EventPropertiesChanged: 104,
    RequestPlaceInQueue: 105,
    EventAck: 125,
    EventError: 126,
    EventInvite: 127,
    RequestAccept: 128,
    RequestAgentLogin: 135,
    EventInteractionSubmitted: 160,
    EventProcessingStopped: 161,
    EventInteractionProperties: 189,
  };
  for (const [name, id] of Object.entries(ids)) {
    test(`${name} is ${String(id)}`, () => {
      const m = isMsgDef(name);
      assert.equal(m.id, id);
      assert.equal(m.protocol, 'is');
      assert.equal(isMessageById(id)?.name, name);
    });
  }

  test('EventInteractionSubmitted keeps the PSDK spelling EventInteractionSubmited', () => {
    const m = isMsgDef('EventInteractionSubmitted');
    assert.equal(m.psdkName, 'EventInteractionSubmited');
    assert.equal(messageByName('EventInteractionSubmited', 'is'), m);
  });

  test('requests and events have the right kind', () => {
    for (const n of ['RequestRegisterClient', 'RequestChangeProperties', 'RequestSubmit']) {
      assert.equal(isMsgDef(n).kind, 'request', n);
    }
    for (const n of ['EventAck', 'EventError', 'EventPropertiesChanged', 'EventInteractionProperties']) {
      assert.equal(isMsgDef(n).kind, 'event', n);
    }
    // A third-party server sends Event3rdServerResponse / Event3rdServerFault (ESP): requests it may send.
    for (const m of ALL) {
      const request = m.name.startsWith('Request') || ESP_MESSAGE_NAMES.has(m.name);
      assert.equal(m.kind, request ? 'request' : 'event', m.name);
    }
  });

  test('message ids and names are unique within each protocol', () => {
    for (const cat of [IS_CATALOGUE, TLIB_CATALOGUE]) {
      assert.equal(new Set(cat.map((m) => m.id)).size, cat.length);
      assert.equal(new Set(cat.map((m) => m.name)).size, cat.length);
    }
  });
});

describe('catalogue: attribute wire ids (reference §1.4, §3.2)', () => {
  const facts: readonly (readonly [message: string, attr: string, wireId: number])[] = [
    ['RequestChangeProperties', 'ReferenceId', 2],
    ['RequestChangeProperties', 'InteractionId', 3],
    ['RequestChangeProperties', 'AddedProperties', 22],
    ['RequestChangeProperties', 'ChangedProperties', 23],
    ['RequestChangeProperties', 'DeletedProperties', 24],
    ['EventPropertiesChanged', 'AddedProperties', 22],
    ['EventPropertiesChanged', 'ChangedProperties', 23],
    ['EventPropertiesChanged', 'DeletedProperties', 24],
    ['EventPropertiesChanged', 'InteractionUserData', 75],
    ['EventPropertiesChanged', 'ActorType', 52],
    ['EventError', 'ErrorCode', 32],
    ['EventError', 'ErrorDescription', 33],
    ['EventAck', 'ProxyClientId', 51],
    ['EventAck', 'Extension', 89],
    ['RequestRegisterClient', 'ClientType', 0],
    ['RequestRegisterClient', 'ClientName', 1],
  ];
  for (const [msg, name, id] of facts) {
    test(`${msg}.${name} is wire id ${String(id)}`, () => {
      const m = isMsgDef(msg);
      const a = attrOf(m, name);
      assert.equal(a.wireId, id);
      assert.equal(m.byWireId.get(id), a);
    });
  }

  test('ActorType and InteractionUserData have their enum / KV-list types', () => {
    const pc = isMsgDef('EventPropertiesChanged');
    assert.equal(attrOf(pc, 'ActorType').type, 'enum');
    assert.equal(attrOf(pc, 'ActorType').enumName, 'ActorType');
    assert.equal(attrOf(pc, 'InteractionUserData').type, 'kvlist');
    assert.equal(attrOf(pc, 'InteractionUserData').group, 'Interaction');
    assert.equal(attrOf(pc, 'ActorType').group, 'Actor');
  });

  test('no message has two attributes with the same wire id, the same extension key or the same name', () => {
    for (const m of ALL) {
      const wire = m.attrs.filter((a) => a.wireId !== undefined).map((a) => a.wireId);
      assert.equal(new Set(wire).size, wire.length, `${m.protocol} ${m.name} repeats a wire id`);
      const ext = m.attrs.filter((a) => a.extensionKey !== undefined).map((a) => a.extensionKey);
      assert.equal(new Set(ext).size, ext.length, `${m.protocol} ${m.name} repeats an Extension key`);
      assert.equal(new Set(m.attrs.map((a) => a.name)).size, m.attrs.length, `${m.name} repeats a name`);
      assert.equal(new Set(m.attrs.map((a) => a.jsonName)).size, m.attrs.length, `${m.name} repeats a JSON name`);
    }
  });

  test('every attribute has a wire id or an Extension key or is a JSON-only T-Library facade attribute', () => {
    for (const m of IS_CATALOGUE) {
      for (const a of m.attrs) {
        assert.ok(a.wireId !== undefined || a.extensionKey !== undefined, `${m.name}.${a.name} has no wire form`);
        if (a.wireId !== undefined && !ESP_MESSAGE_NAMES.has(m.name))
          assert.ok(a.wireName?.startsWith('attr_'), `${m.name}.${a.name} wire name`);
      }
    }
  });

  test('every IS message carries the envelope ReferenceId(2) / ProxyClientId(51) / Extension(89); ESP ones their own', () => {
    for (const m of IS_CATALOGUE.filter((d) => ESP_MESSAGE_NAMES.has(d.name))) {
      assert.deepEqual(
        m.attrs.map((a) => [a.name, a.wireId, a.wireName, a.type]),
        [
          ['ReferenceId', 0, 'ReferenceId', 'int'],
          ['Request', 1, 'Request', 'kvlist'],
          ...(m.name === 'Event3rdServerFault' ? [] : [['UserData', 2, 'UserData', 'kvlist']]),
        ],
        m.name,
      );
    }
    assert.deepEqual(
      [...ESP_MESSAGE_NAMES].map((n) => isMsgDef(n).id),
      [500, 501, 502],
    );
    for (const m of IS_CATALOGUE.filter((d) => !ESP_MESSAGE_NAMES.has(d.name))) {
      assert.equal(m.byName.get('ReferenceId')?.wireId, 2, m.name);
      assert.equal(m.byName.get('ProxyClientId')?.wireId, 51, m.name);
      assert.equal(m.byName.get('Extension')?.wireId, 89, m.name);
      assert.equal(m.byName.get('Extension')?.type, 'kvlist', m.name);
    }
  });

  test('the embedded structures use one wire id per attribute', () => {
    for (const [name, attrs] of Object.entries(STRUCTURES)) {
      assert.equal(new Set(attrs.map((a) => a[1])).size, attrs.length, `${name} repeats a wire id`);
    }
  });
});

describe('catalogue: JSON names (spec §3.2)', () => {
  test('every JSON name is the catalogue name with its first letter lower-cased', () => {
    for (const m of ALL) {
      for (const a of m.attrs) {
        assert.equal(a.jsonName, a.name.charAt(0).toLowerCase() + a.name.slice(1), `${m.name}.${a.name}`);
        assert.equal(m.byJsonName.get(a.jsonName), a);
      }
    }
  });

  test('spec examples', () => {
    const cp = isMsgDef('RequestChangeProperties');
    assert.equal(attrOf(cp, 'ReferenceId').jsonName, 'referenceId');
    assert.equal(attrOf(cp, 'InteractionId').jsonName, 'interactionId');
    assert.equal(attrOf(cp, 'ChangedProperties').jsonName, 'changedProperties');
    assert.equal(attrOf(isMsgDef('RequestRegisterClient'), 'ClientType').jsonName, 'clientType');
    assert.equal(attrOf(isMsgDef('EventPropertiesChanged'), 'InteractionMediatype').jsonName, 'interactionMediatype');
    assert.equal(attrOf(isMsgDef('EventPropertiesChanged'), 'ActorType').jsonName, 'actorType');
  });

  test('every enum attribute names a known enum', () => {
    for (const m of ALL) {
      for (const a of m.attrs) {
        if (a.type === 'enum') assert.ok(a.enumName && a.enumName in ENUMS, `${m.name}.${a.name}`);
      }
    }
  });
});

describe('catalogue: IXS additions (spec §2)', () => {
  const expected: readonly (readonly [string, 'is' | 'tlib', string, string])[] = [
    ['RequestChangeProperties', 'is', 'expectedVersion', 'ixs-expected-version'],
    ['RequestUpdateUserData', 'tlib', 'expectedVersion', 'ixs-expected-version'],
    ['RequestDeleteUserData', 'tlib', 'expectedVersion', 'ixs-expected-version'],
    ['EventAck', 'is', 'version', 'ixs-version'],
    ['EventPropertiesChanged', 'is', 'version', 'ixs-version'],
    ['EventAttachedDataChanged', 'tlib', 'version', 'ixs-version'],
    ['EventInteractionProperties', 'is', 'version', 'ixs-version'],
  ];
  for (const [msg, protocol, json, key] of expected) {
    test(`${msg} carries ${json} as Extension key ${key}`, () => {
      const m = def(msg, protocol);
      const a = m.byJsonName.get(json);
      assert.ok(a, `${msg} has no ${json}`);
      assert.equal(a.extensionKey, key);
      assert.equal(a.wireId, undefined);
      assert.equal(a.type, 'int');
      assert.equal(m.byExtensionKey.get(key), a);
    });
  }
});

describe('catalogue: T-Library facade (spec §3.2)', () => {
  test("the typed attributes of the facade's requests are exactly the catalogue's", () => {
    for (const [name, keys] of Object.entries(TLIB_REQUEST_ATTR_NAMES)) {
      const m = messageByName(name, 'tlib');
      assert.ok(m, name);
      assert.deepEqual([...keys].sort(), m.attrs.map((a) => a.name).sort(), name);
    }
    assert.deepEqual(
      Object.keys(TLIB_REQUEST_ATTR_NAMES).sort(),
      TLIB_CATALOGUE.filter((m) => m.kind === 'request')
        .map((m) => m.name)
        .sort(),
    );
  });
  const ids: Record<string, number> = {
    EventRouteRequest: 71,
    RequestRouteCall: 36,
    EventRouteUsed: 72,
    RequestUpdateUserData: 31,
    RequestDeleteUserData: 32,
    EventAttachedDataChanged: 85,
    EventAbandoned: 59,
  };
  for (const [name, id] of Object.entries(ids)) {
    test(`${name} is T-Library ${String(id)}`, () => {
      const m = messageByName(name, 'tlib');
      assert.ok(m);
      assert.equal(m.id, id);
      assert.equal(m.protocol, 'tlib');
      assert.equal(tlibMessageById(id), m);
    });
  }

  test('EventAbandoned differs between the IS (215) and T-Library (59) catalogues', () => {
    const t = messageByName('EventAbandoned', 'tlib');
    const i = messageByName('EventAbandoned', 'is');
    assert.ok(t && i);
    assert.notEqual(t, i);
    assert.equal(t.protocol, 'tlib');
    assert.equal(i.protocol, 'is');
    assert.notEqual(t.id, i.id);
  });

  test('the interaction id travels as connId', () => {
    for (const m of TLIB_CATALOGUE) assert.equal(m.byJsonName.get('connId')?.wireId, 9, m.name);
  });

  test('RequestRouteCall targetType is agent | queue | workbin | stop', () => {
    const a = def('RequestRouteCall', 'tlib').byJsonName.get('targetType');
    assert.ok(a);
    assert.equal(a.type, 'enum');
    assert.ok(a.enumName);
    assert.deepEqual(Object.keys(ENUMS[a.enumName]), ['agent', 'queue', 'workbin', 'stop']);
  });

  test('RequestDeleteUserData takes keys (a string array)', () => {
    assert.equal(def('RequestDeleteUserData', 'tlib').byJsonName.get('keys')?.type, 'stringList');
  });

  test('the T-Library wire ids match test/fixtures/vectors/tlib.json (names compared case-insensitively)', () => {
    const seen = new Map<string, Map<number, string>>();
    for (const v of loadVectors('tlib.json')) {
      const m = messageByName(v.message, 'tlib');
      if (!m) continue;
      assert.equal(m.id, v.messageId, `${v.name}: message id`);
      const ids = seen.get(m.name) ?? new Map<number, string>();
      for (const a of v.attributes) ids.set(a.id, a.name);
      seen.set(m.name, ids);
    }
    for (const m of TLIB_CATALOGUE) {
      const ids = seen.get(m.name);
      assert.ok(ids, `no tlib.json vector for ${m.name}`);
      for (const a of m.attrs) {
        if (a.wireId === undefined) continue;
        const vName = ids.get(a.wireId);
        if (vName === undefined) continue; // optional attribute the vectors do not carry
        assert.equal(a.name.toLowerCase(), vName.toLowerCase(), `${m.name} wire id ${String(a.wireId)}`);
      }
    }
  });
});

describe('catalogue: supported requests', () => {
  test('every supported request is a catalogue request, flagged supported', () => {
    for (const name of SUPPORTED_REQUESTS) {
      const m = messageByName(name);
      assert.ok(m, `${name} is not in the catalogue`);
      assert.equal(m.kind, 'request');
      assert.equal(m.supported, true);
    }
    for (const m of ALL) {
      if (m.kind === 'request') assert.equal(m.supported, SUPPORTED_REQUESTS.has(m.name), m.name);
    }
  });
});

for (const file of ['interaction-server.json', 'interaction-server-large.json']) {
  describe(`catalogue vs test/fixtures/vectors/${file}`, () => {
    for (const v of loadVectors(file)) {
      test(v.name, () => {
        const m = messageByName(v.message, 'is');
        assert.ok(m, `${v.message} is not in the IS catalogue`);
        assert.equal(m.id, v.messageId, 'message id');
        for (const va of v.attributes) {
          const a = m.byWireId.get(va.id);
          assert.ok(a, `${m.name} has no attribute with wire id ${String(va.id)} (${va.name})`);
          assert.equal(a.name, va.name, `${m.name} wire id ${String(va.id)}: name`);
          if (va.wireName !== undefined) assert.equal(a.wireName, va.wireName, `${m.name}.${a.name}: wire name`);
          assert.equal(a.group, va.group, `${m.name}.${a.name}: group`);
          const want = compatibleType(va.type);
          assert.ok(want, `unknown vector type ${va.type}`);
          assert.equal(a.type, want, `${m.name}.${a.name}: vector type ${va.type}`);
        }
      });
    }
  });
}
