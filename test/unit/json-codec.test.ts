/** The JSON codec and request validator: exact forms, clear errors, and fuzzing with fast-check. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeJsonRequest, encodeJson } from '../../src/transport/ws/json-codec.ts';
import { isMsg } from '../../src/protocol/message.ts';
import { IS_CATALOGUE, TLIB_CATALOGUE } from '../../src/protocol/catalogue.ts';
import { kvFromJson, kvToJson } from '../../src/protocol/json-form.ts';

function decodeOk(text: string) {
  const r = decodeJsonRequest(text);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.message;
}

describe('JSON codec', () => {
  it('decodes a request into catalogue names and typed values', () => {
    const m = decodeOk(
      JSON.stringify({
        message: 'RequestRegisterClient',
        referenceId: 1,
        clientType: 'MediaServer',
        clientName: 'EmailServer',
        extension: { event_properties_changed: 1 },
      }),
    );
    assert.equal(m.name, 'RequestRegisterClient');
    assert.equal(m.protocol, 'is');
    assert.deepEqual(m.attrs, {
      ReferenceId: 1,
      ClientType: 3,
      ClientName: 'EmailServer',
      Extension: [{ key: 'event_properties_changed', value: 1 }],
    });
  });

  it('decodes KV lists: strings, int32, 64-bit ints, binary, nested lists', () => {
    const m = decodeOk(
      JSON.stringify({
        message: 'RequestChangeProperties',
        interactionId: 'X',
        changedProperties: { s: 'a', i: -5, l: 2 ** 40, b: { $binary: 'AAH/' }, n: { x: { y: 'z' } } },
      }),
    );
    assert.deepEqual(m.attrs.ChangedProperties, [
      { key: 's', value: 'a' },
      { key: 'i', value: -5 },
      { key: 'l', value: 2n ** 40n },
      { key: 'b', value: new Uint8Array([0, 1, 255]) },
      { key: 'n', value: [{ key: 'x', value: [{ key: 'y', value: 'z' }] }] },
    ]);
  });

  it('decodes the T-Library facade requests', () => {
    const m = decodeOk(
      JSON.stringify({
        message: 'RequestRouteCall',
        referenceId: 4,
        connId: 'X',
        targetType: 'agent',
        targetAgent: 'agent1',
      }),
    );
    assert.equal(m.protocol, 'tlib');
    assert.deepEqual(m.attrs, { ReferenceId: 4, ConnId: 'X', TargetType: 1, TargetAgent: 'agent1' });
    const d = decodeOk(JSON.stringify({ message: 'RequestDeleteUserData', connId: 'X', keys: ['a', 'b'] }));
    assert.deepEqual(d.attrs.Keys, ['a', 'b']);
  });

  const refused: [string, string, number, string][] = [
    ['malformed JSON', '{"message":', 79, 'malformed JSON'],
    ['not an object', '[1,2]', 79, 'one JSON object'],
    ['no message member', '{"referenceId":3}', 79, '"message"'],
    ['unknown message', '{"message":"RequestFly","referenceId":3}', 4, "'RequestFly'"],
    ['an event as a request', '{"message":"EventAck"}', 4, 'EventAck is an event'],
    ['unknown attribute', '{"message":"RequestSubmit","colour":"red"}', 4, "'colour'"],
    ['int attribute as string', '{"message":"RequestSubmit","tenantId":"1"}', 65, "'tenantId'"],
    ['int out of range', '{"message":"RequestSubmit","tenantId":4294967296}', 65, "'tenantId'"],
    ['bad enum name', '{"message":"RequestRegisterClient","clientType":"Bogus"}', 65, "'clientType'"],
    ['bad date', '{"message":"RequestSubmit","receivedAt":"yesterday"}', 31, "'receivedAt'"],
    ['float property', '{"message":"RequestChangeProperties","changedProperties":{"p":1.5}}', 65, "'p'"],
    ['array property', '{"message":"RequestChangeProperties","addedProperties":{"p":[1]}}', 65, "'p'"],
    ['KV list not an object', '{"message":"RequestChangeProperties","addedProperties":"x"}', 65, 'addedProperties'],
    ['bad $binary', '{"message":"RequestChangeProperties","addedProperties":{"p":{"$binary":"!!"}}}', 65, "'p'"],
  ];
  for (const [what, text, code, mentions] of refused) {
    it(`refuses ${what} with error ${String(code)}`, () => {
      const r = decodeJsonRequest(text);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, code);
      assert.ok(r.error.message.includes(mentions), `"${r.error.message}" mentions ${mentions}`);
    });
  }

  it('refuses KV lists nested deeper than 64 levels without recursing further', () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const r = decodeJsonRequest(`{"message":"RequestChangeProperties","changedProperties":${deep}}`);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 65);
      assert.match(r.error.message, /nested at most 64 levels/);
    }
  });

  it('echoes the referenceId of a refused but parseable frame', () => {
    const r = decodeJsonRequest('{"message":"RequestFly","referenceId":42}');
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.referenceId, 42);
  });

  it('encodes events with JSON names, enum names and KV objects', () => {
    const text = encodeJson(
      isMsg('EventPropertiesChanged', {
        InteractionId: 'X',
        InteractionState: 3,
        ActorType: 3,
        ChangedProperties: [
          { key: 'a', value: 1 },
          { key: 'b', value: new Uint8Array([1]) },
        ],
        Version: 2,
      }),
    );
    assert.deepEqual(JSON.parse(text), {
      message: 'EventPropertiesChanged',
      interactionId: 'X',
      interactionState: 'Handling',
      actorType: 'MediaServer',
      changedProperties: { a: 1, b: { $binary: 'AQ==' } },
      version: 2,
    });
  });

  it('a KV key named __proto__ stays an own property', () => {
    const out = kvToJson(kvFromJson(JSON.parse('{"__proto__":{"a":"b"}}'), 'p'));
    assert.deepEqual(Object.keys(out), ['__proto__']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });

  it('every catalogue JSON name is the catalogue name with its first letter lower-cased', () => {
    for (const m of [...IS_CATALOGUE, ...TLIB_CATALOGUE])
      for (const a of m.attrs) assert.equal(a.jsonName, a.name[0]!.toLowerCase() + a.name.slice(1));
  });
});

describe('JSON codec fuzzing (fast-check)', () => {
  it('arbitrary text never throws out of the decoder', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = decodeJsonRequest(s);
        assert.ok(r.ok || typeof r.error.code === 'number');
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary JSON values under request names never throw and refusals carry a code and a description', () => {
    const names = IS_CATALOGUE.filter((m) => m.kind === 'request')
      .map((m) => m.name)
      .concat(TLIB_CATALOGUE.filter((m) => m.kind === 'request').map((m) => m.name));
    const attrNames = [...new Set([...IS_CATALOGUE, ...TLIB_CATALOGUE].flatMap((m) => m.attrs.map((a) => a.jsonName)))];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.dictionary(fc.constantFrom(...attrNames), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        (name, attrs) => {
          const r = decodeJsonRequest(JSON.stringify({ ...attrs, message: name }));
          if (!r.ok) {
            assert.ok(r.error.code > 0);
            assert.ok(r.error.message.length > 0);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('valid KV objects round-trip through decode and encode', () => {
    const leaf = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.uint8Array({ maxLength: 8 }).map((b) => ({ $binary: Buffer.from(b).toString('base64') })),
    );
    const kvObj = fc.letrec((tie) => ({
      obj: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '$binary'),
        fc.oneof({ maxDepth: 3 }, leaf, tie('obj')),
        { maxKeys: 5, noNullPrototype: true },
      ),
    })).obj;
    fc.assert(
      fc.property(kvObj, (o) => {
        // Through JSON text, as on the wire ("__proto__" keys stay own properties).
        const parsed: unknown = JSON.parse(JSON.stringify(o));
        assert.deepEqual(JSON.parse(JSON.stringify(kvToJson(kvFromJson(parsed, 'p')))), parsed);
      }),
      { numRuns: 1000 },
    );
  });
});
