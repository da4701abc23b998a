/**
 * The catalogue mapping of the IS binary codec: error codes for refused frames, value conversions, and the
 * Extension keys that carry IXS attributes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMsg, tlibMsg, type Message } from '../../src/protocol/message.ts';
import { FrameParser, type WireAttr } from '../../src/transport/tcp/frame-parser.ts';
import { decodeIsFrame, encodeIsMessage, isMessageToWire } from '../../src/transport/tcp/is-codec.ts';

function refused(messageId: number, attrs: WireAttr[]): { code: number; description: string; referenceId?: number } {
  const r = decodeIsFrame(messageId, attrs);
  assert.ok(!r.ok, 'expected a refusal');
  return {
    code: r.error.code,
    description: r.error.message,
    ...(r.referenceId === undefined ? {} : { referenceId: r.referenceId }),
  };
}

function decoded(messageId: number, attrs: WireAttr[]): Message {
  const r = decodeIsFrame(messageId, attrs);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.message;
}

/** Encodes, parses and decodes a message. */
function viaWire(m: Message): Message {
  const events = new FrameParser({ maxFrameBytes: 1 << 20 }).push(encodeIsMessage(m));
  const ev = events[0];
  assert.ok(ev?.kind === 'frame');
  return decoded(ev.messageId, [...ev.attrs]);
}

const ref = (n: number): WireAttr => ({ id: 2, tag: 'i', value: n });

describe('decodeIsFrame: refusals', () => {
  test('unknown message id -> 4, naming the id, ReferenceId echoed', () => {
    assert.deepEqual(refused(9999, [ref(7)]), { code: 4, description: 'unknown message id 9999', referenceId: 7 });
  });

  test('attribute id outside the message -> 4, naming the id', () => {
    const r = refused(101, [ref(3), { id: 250, tag: 's', value: 'x' }]);
    assert.equal(r.code, 4);
    assert.match(r.description, /attribute id 250 .*RequestSubmit/);
    assert.equal(r.referenceId, 3);
  });

  test('wrong wire tag for a known attribute -> 65, naming the attribute', () => {
    const cases: [number, WireAttr, RegExp][] = [
      [101, { id: 12, tag: 's', value: '101' }, /TenantId \(12\) of RequestSubmit must be an integer/],
      [101, { id: 8, tag: 'i', value: 1 }, /Queue \(8\) of RequestSubmit must be a string/],
      [101, { id: 25, tag: 's', value: 'x' }, /UserData \(25\) of RequestSubmit must be a KV list/],
      [101, { id: 7, tag: 'l', value: 1n }, /IsOnline \(7\) of RequestSubmit must be a boolean/],
      [101, { id: 27, tag: 'i', value: 0 }, /ReceivedAt \(27\) of RequestSubmit must be a date/],
      [100, { id: 0, tag: 's', value: 'MediaServer' }, /ClientType \(0\) of RequestRegisterClient/],
    ];
    for (const [id, attr, re] of cases) {
      const r = refused(id, [attr, ref(5)]);
      assert.equal(r.code, 65, r.description);
      assert.match(r.description, re);
      assert.equal(r.referenceId, 5);
    }
  });

  test('a boolean other than 0 or 1 -> 65', () => {
    const r = refused(101, [{ id: 7, tag: 'i', value: 2 }]);
    assert.equal(r.code, 65);
    assert.match(r.description, /IsOnline .* 0 or 1, got 2/);
  });

  test('a malformed date -> 31', () => {
    for (const value of ['2023-11-14 22:13:20', '2023-13-45T99:99:99Z', 'yesterday']) {
      const r = refused(101, [{ id: 27, tag: 's', value }]);
      assert.equal(r.code, 31, value);
      assert.match(r.description, /ReceivedAt/);
    }
  });

  test('an attribute sent twice -> 79', () => {
    const r = refused(125, [ref(1), ref(2)]);
    assert.equal(r.code, 79);
    assert.match(r.description, /ReferenceId \(2\) of EventAck appears more than once/);
    assert.equal(r.referenceId, 1);
  });

  test('no ReferenceId, or one of the wrong type, is not echoed', () => {
    assert.equal(refused(9999, []).referenceId, undefined);
    assert.equal(refused(9999, [{ id: 2, tag: 's', value: '1' }]).referenceId, undefined);
  });
});

describe('decodeIsFrame: values', () => {
  test('bool, enum, date, long-string and KV conversions', () => {
    const m = decoded(101, [
      { id: 7, tag: 'i', value: 1 },
      { id: 27, tag: 's', value: '2023-11-14T22:13:20Z' },
      { id: 8, tag: 'S', value: 'q' },
      { id: 25, tag: 'B', value: [{ key: 'a', value: 1 }] },
      ref(9),
    ]);
    assert.deepStrictEqual(
      m,
      isMsg('RequestSubmit', {
        IsOnline: true,
        ReceivedAt: '2023-11-14T22:13:20Z',
        Queue: 'q',
        UserData: [{ key: 'a', value: 1 }],
        ReferenceId: 9,
      }),
    );
    const reg = decoded(100, [{ id: 0, tag: 'i', value: 3 }]);
    assert.deepStrictEqual(reg.attrs, { ClientType: 3 });
  });

  test('dates with a fraction are accepted as sent', () => {
    assert.equal(
      decoded(101, [{ id: 27, tag: 's', value: '2023-11-14T22:13:20.123Z' }]).attrs.ReceivedAt,
      '2023-11-14T22:13:20.123Z',
    );
  });
});

describe('Extension keys', () => {
  const ext = (pairs: WireAttr['value']): WireAttr => ({ id: 89, tag: 'b', value: pairs });

  test('decode lifts ExpectedVersion out of Extension and keeps the other pairs', () => {
    const m = decoded(103, [
      ext([
        { key: 'foo', value: 'x' },
        { key: 'ixs-expected-version', value: 7 },
      ]),
      ref(1),
    ]);
    assert.deepStrictEqual(m.attrs, { Extension: [{ key: 'foo', value: 'x' }], ExpectedVersion: 7, ReferenceId: 1 });
  });

  test('decode drops Extension when only extension keys were in it', () => {
    const m = decoded(103, [ext([{ key: 'ixs-expected-version', value: 7 }])]);
    assert.deepStrictEqual(m.attrs, { ExpectedVersion: 7 });
  });

  test('an int extension key also accepts integer text and int64', () => {
    assert.equal(decoded(103, [ext([{ key: 'ixs-expected-version', value: '12' }])]).attrs.ExpectedVersion, 12);
    assert.equal(decoded(103, [ext([{ key: 'ixs-expected-version', value: 12n }])]).attrs.ExpectedVersion, 12);
  });

  test('an extension key of the wrong type -> 65, naming the key', () => {
    for (const value of ['twelve', [], 2n ** 40n, Uint8Array.of(1)]) {
      const r = refused(103, [ext([{ key: 'ixs-expected-version', value }]), ref(4)]);
      assert.equal(r.code, 65);
      assert.match(
        r.description,
        /Extension key 'ixs-expected-version' \(ExpectedVersion\) of RequestChangeProperties/,
      );
      assert.equal(r.referenceId, 4);
    }
  });

  test('keys of other messages stay in Extension', () => {
    const m = decoded(104, [ext([{ key: 'ixs-expected-version', value: 7 }])]);
    assert.deepStrictEqual(m.attrs, { Extension: [{ key: 'ixs-expected-version', value: 7 }] });
  });

  test('encode appends extension keys after the existing Extension pairs, in catalogue order', () => {
    const m = isMsg('EventAck', {
      ReferenceId: 2,
      InteractionId: 'itx-1',
      Version: 3,
      Extension: [{ key: 'ServerVersion', value: '1.0' }],
    });
    const { messageId, attrs } = isMessageToWire(m);
    assert.equal(messageId, 125);
    assert.deepStrictEqual(attrs, [
      { id: 2, tag: 'i', value: 2 },
      {
        id: 89,
        tag: 'b',
        value: [
          { key: 'ServerVersion', value: '1.0' },
          { key: 'ixs-version', value: 3 },
          { key: 'InteractionId', value: 'itx-1' },
        ],
      },
    ]);
    assert.deepStrictEqual(viaWire(m), m);
  });

  test('encode creates Extension when only extension keys are set', () => {
    const m = isMsg('RequestChangeProperties', { ReferenceId: 1, InteractionId: 'i', ExpectedVersion: 4 });
    assert.deepStrictEqual(isMessageToWire(m).attrs.at(-1), {
      id: 89,
      tag: 'b',
      value: [{ key: 'ixs-expected-version', value: 4 }],
    });
    assert.deepStrictEqual(viaWire(m), m);
  });
});

describe('encodeIsMessage', () => {
  test('ascending wire-id order by default; an explicit order first, the rest ascending', () => {
    const m = isMsg('EventError', { ErrorDescription: 'no', ReferenceId: 4, ErrorCode: 43 });
    assert.deepEqual(
      isMessageToWire(m).attrs.map((a) => a.id),
      [2, 32, 33],
    );
    assert.deepEqual(
      isMessageToWire(m, [33]).attrs.map((a) => a.id),
      [33, 2, 32],
    );
  });

  test('booleans as 0/1, enums as numbers', () => {
    const m = isMsg('RequestSubmit', { IsOnline: false, TenantId: 1 });
    assert.deepStrictEqual(isMessageToWire(m).attrs, [
      { id: 7, tag: 'i', value: 0 },
      { id: 12, tag: 'i', value: 1 },
    ]);
    assert.deepStrictEqual(viaWire(m), m);
  });

  test('server bugs throw: T-Library message, unknown message, unknown attribute, wrong value type', () => {
    assert.throws(() => encodeIsMessage(tlibMsg('EventRouteUsed', { ReferenceId: 1 })), /cannot encode tlib/);
    assert.throws(() => encodeIsMessage({ protocol: 'is', name: 'EventNoSuch', attrs: {} }), /not in the IS catalogue/);
    assert.throws(() => encodeIsMessage(isMsg('EventAck', { Nope: 1 })), /Nope is not an attribute of EventAck/);
    assert.throws(() => encodeIsMessage(isMsg('RequestSubmit', { IsOnline: 1 })), TypeError);
    assert.throws(() => encodeIsMessage(isMsg('RequestSubmit', { TenantId: '1' })), TypeError);
    assert.throws(() => encodeIsMessage(isMsg('EventAck', { Version: 'x' })), TypeError);
  });
});
