/**
 * The T-Library vectors of test/fixtures/vectors/tlib.json (frames the Platform SDK T-Library client wrote, and events
 * it decoded back): every vector decodes to its attributes and re-encodes byte for byte; refused frames get the
 * T-Library error code and a description naming what is wrong; mutated and random frames never make the codec throw.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { AttrValue, Message } from '../../src/protocol/message.ts';
import { TLIB_WIRE_MESSAGES, tlibWireAttrById } from '../../src/protocol/tlib-wire.ts';
import { encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import { FrameParser } from '../../src/transport/tcp/frame-parser.ts';
import {
  connIdText,
  connIdWire,
  decodeTlibFrame,
  encodeTlibMessage,
  tlibMessageToWire,
} from '../../src/transport/tcp/tlib-codec.ts';
import type { WireAttr } from '../../src/transport/tcp/wire.ts';
import { assertAscendingIds, onlyFrame, vectorKv, type VectorAttr, type VectorPair } from './tcp-helpers.ts';

interface TlibVector {
  name: string;
  message: string;
  messageId: number;
  direction: string;
  length: number;
  attributes: VectorAttr[];
  hex: string;
}

const VECTORS: readonly TlibVector[] = (
  JSON.parse(readFileSync(new URL('../fixtures/vectors/tlib.json', import.meta.url), 'utf8')) as {
    vectors: TlibVector[];
  }
).vectors;

/** The message a vector must decode to: each attribute under the table's name for its id. */
function expected(v: TlibVector): Message {
  const attrs: Record<string, AttrValue> = {};
  for (const a of v.attributes) {
    const ad = tlibWireAttrById(a.id);
    if (!ad) throw new Error(`vector ${v.name}: attribute ${a.id} is not in the T-Library table`);
    attrs[ad.name] = a.type === 'kvlist' ? vectorKv(a.value as VectorPair[]) : (a.value as AttrValue);
  }
  return { protocol: 'tlib', name: v.message, attrs };
}

describe('T-Library vectors', () => {
  test('there are 24 vectors, and every message they hold is in the table', () => {
    assert.equal(VECTORS.length, 24);
    const names = new Set(TLIB_WIRE_MESSAGES.map((m) => m.name));
    for (const v of VECTORS) assert.ok(names.has(v.message), v.message);
  });

  test("every attribute of a vector is one its message's entry lists", () => {
    for (const v of VECTORS) {
      const listed = TLIB_WIRE_MESSAGES.find((m) => m.name === v.message)?.attrs ?? [];
      for (const a of v.attributes) {
        const name = tlibWireAttrById(a.id)?.name;
        assert.ok(name !== undefined && listed.includes(name), `${v.name}: ${a.name} (${String(a.id)})`);
      }
    }
  });

  for (const v of VECTORS) {
    test(`${v.name}: decodes to the vector's attributes and re-encodes byte-exact`, () => {
      const bytes = new Uint8Array(Buffer.from(v.hex, 'hex'));
      assert.equal(bytes.length, v.length);
      const ev = onlyFrame(bytes);
      assert.equal(ev.messageId, v.messageId);
      assert.deepEqual(
        ev.attrs.map((a) => [a.id, a.tag]),
        v.attributes.map((a) => [a.id, a.tag]),
      );
      const r = decodeTlibFrame(ev.messageId, ev.attrs);
      assert.ok(r.ok, r.ok ? '' : r.description);
      assert.deepStrictEqual(r.message, expected(v));
      // In the SDK's order: the same bytes.
      const order = v.attributes.map((a) => a.id);
      assert.equal(encodeTlibMessage(r.message, order).toString('hex'), v.hex);
      // In ascending order (what the server sends): the same message back.
      const again = onlyFrame(encodeTlibMessage(r.message));
      assertAscendingIds(again);
      assert.deepStrictEqual(decodeTlibFrame(again.messageId, again.attrs), { ok: true, message: r.message });
    });
  }
});

describe('T-Library refusals', () => {
  const ref: WireAttr = { id: 2, tag: 'i', value: 7 };

  test('an unknown message id: TERR_UNSUP_OPER (51), the ReferenceID echoed', () => {
    assert.deepStrictEqual(decodeTlibFrame(9999, [ref]), {
      ok: false,
      errorCode: 51,
      description: 'T-Library message id 9999 is not supported',
      referenceId: 7,
    });
  });

  test('an unknown attribute id: TERR_INVALID_ATTR (53) naming it', () => {
    assert.deepStrictEqual(decodeTlibFrame(31, [ref, { id: 4000, tag: 'i', value: 1 }]), {
      ok: false,
      errorCode: 53,
      description: 'attribute id 4000 of RequestUpdateUserData is not supported',
      referenceId: 7,
    });
  });

  test('a wire type that does not fit: TERR_INVALID_ATTR (53) naming the attribute and the type', () => {
    const r = decodeTlibFrame(31, [ref, { id: 9, tag: 's', value: 'abc' }]);
    assert.deepStrictEqual(r, {
      ok: false,
      errorCode: 53,
      description:
        "attribute ConnId (9) of RequestUpdateUserData must be a 64-bit ConnID (wire type 'l'), got wire type 's'",
      referenceId: 7,
    });
  });

  test('an attribute sent twice: TERR_INVALID_ATTR (53)', () => {
    const r = decodeTlibFrame(1, [ref, ref]);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.errorCode, 53);
    assert.match(r.ok ? '' : r.description, /ReferenceId \(2\) of RequestQueryServer appears more than once/);
  });

  test('without a readable ReferenceID the error has none', () => {
    assert.deepStrictEqual(decodeTlibFrame(9999, []), {
      ok: false,
      errorCode: 51,
      description: 'T-Library message id 9999 is not supported',
    });
  });
});

describe('ConnIDs', () => {
  test('16 lower-case hex digits both ways, the high bit included', () => {
    for (const text of ['0000000000000000', '006502a3b4c5d6e7', '8000000000000001', 'ffffffffffffffff']) {
      assert.equal(connIdText(connIdWire(text)), text);
    }
    assert.equal(connIdWire('ffffffffffffffff'), -1n);
    const m: Message = { protocol: 'tlib', name: 'RequestDeleteUserData', attrs: { ConnId: 'ff00000000000001' } };
    const f = onlyFrame(encodeTlibMessage(m));
    assert.deepStrictEqual(decodeTlibFrame(f.messageId, f.attrs), { ok: true, message: m });
  });

  test('anything else is refused when encoding (a server bug, not input)', () => {
    for (const text of ['', '006502A3B4C5D6E7', '06502a3b4c5d6e7', '0x06502a3b4c5d6e7']) {
      assert.throws(() => connIdWire(text), RangeError);
    }
    assert.throws(() => tlibMessageToWire({ protocol: 'tlib', name: 'RequestDeleteUserData', attrs: { ConnId: 42 } }));
    assert.throws(() => tlibMessageToWire({ protocol: 'is', name: 'EventAck', attrs: {} }));
    assert.throws(() => tlibMessageToWire({ protocol: 'tlib', name: 'RequestNothing', attrs: {} }));
  });
});

describe('T-Library decoding never throws', () => {
  const frames = VECTORS.map((v) => new Uint8Array(Buffer.from(v.hex, 'hex')));

  test('mutated vector bytes: every frame the parser returns decodes or is refused with a T-Library code', () => {
    fc.assert(
      fc.property(
        fc.nat(frames.length - 1),
        fc.array(fc.record({ at: fc.nat(4096), byte: fc.nat(255) }), { minLength: 1, maxLength: 8 }),
        (i, flips) => {
          const bytes = new Uint8Array(frames[i]!);
          for (const f of flips) if (f.at >= 4) bytes[f.at % bytes.length] = f.byte;
          for (const ev of new FrameParser({ maxFrameBytes: 1 << 16 }).push(bytes)) {
            if (ev.kind !== 'frame') continue;
            const r = decodeTlibFrame(ev.messageId, ev.attrs);
            if (!r.ok) assert.ok([51, 53].includes(r.errorCode) && r.description.length > 0);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('random attributes of every message: decoded, or refused with a T-Library code', () => {
    const value = fc.oneof(
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.string(),
      fc.constant([{ key: 'k', value: 'v' }]),
    );
    const tagOf = (v: unknown): WireAttr['tag'] =>
      typeof v === 'number' ? 'i' : typeof v === 'bigint' ? 'l' : typeof v === 'string' ? 's' : 'b';
    fc.assert(
      fc.property(
        fc.constantFrom(...TLIB_WIRE_MESSAGES.map((m) => m.id), 2, 5000),
        fc.array(fc.record({ id: fc.oneof(fc.nat(120), fc.constant(9), fc.constant(51)), value }), {
          maxLength: 8,
        }),
        (id, raw) => {
          const attrs = raw.map((a) => ({ id: a.id, tag: tagOf(a.value), value: a.value }));
          const r = decodeTlibFrame(id, attrs);
          if (r.ok) {
            // What decoded encodes again and decodes to itself.
            const f = onlyFrame(encodeTlibMessage(r.message));
            assert.deepStrictEqual(decodeTlibFrame(f.messageId, f.attrs), r);
          } else assert.ok([51, 53].includes(r.errorCode));
          // The frame itself round-trips through the parser.
          if (raw.length <= 8) onlyFrame(encodeFrame(id, attrs));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
