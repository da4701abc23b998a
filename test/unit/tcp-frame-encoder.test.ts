/**
 * encodeFrame: the size rules of README §1-§2 at their boundaries, KV types 6 (int64) and 7 (float32), and a
 * property test that any KV list survives encode -> parse.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Float32, Utf16, type KvList, type KvValue } from '../../src/protocol/kv.ts';
import { encodeFrame, encodeKvList } from '../../src/transport/tcp/frame-encoder.ts';
import { FrameParser, type WireAttr } from '../../src/transport/tcp/frame-parser.ts';

function roundTrip(attrs: WireAttr[], messageId = 103): WireAttr[] {
  const events = new FrameParser({ maxFrameBytes: 1 << 24 }).push(encodeFrame(messageId, attrs));
  assert.equal(events.length, 1);
  const ev = events[0]!;
  assert.equal(ev.kind, 'frame', ev.kind === 'fatal' ? ev.reason : '');
  assert.equal(ev.messageId, messageId);
  return [...ev.attrs];
}

/** A one-pair string list whose body L has exactly `size` bytes: 2 count + 1 type + 2 + 'x' + 2 + value. */
function listOfSize(size: number): KvList {
  return [{ key: 'x', value: 'v'.repeat(size - 8) }];
}

describe('encodeFrame: KV types', () => {
  test('int64 (6) and float32 (7) round-trip, also nested and next to every other type', () => {
    const list: KvList = [
      { key: 'big', value: 9007199254740993n },
      { key: 'min', value: -(2n ** 63n) },
      { key: 'max', value: 2n ** 63n - 1n },
      { key: 'f', value: new Float32(1.5) },
      { key: 'negZero', value: new Float32(-0) },
      { key: 'nan', value: new Float32(Number.NaN) },
      { key: 'inf', value: new Float32(Number.NEGATIVE_INFINITY) },
      { key: 's', value: 'Größe €' },
      { key: 'i', value: -7 },
      { key: 'bin', value: Uint8Array.of(0, 255) },
      { key: 'w', value: new Utf16('Zoë ✓ 𝄞') },
      {
        key: 'nested',
        value: [
          { key: 'n64', value: 5n },
          { key: 'nf', value: new Float32(Math.fround(0.1)) },
        ],
      },
    ];
    const [a] = roundTrip([{ id: 22, tag: 'b', value: list }]);
    assert.deepStrictEqual(a, { id: 22, tag: 'b', value: list });
  });

  test('the exact bytes of type 6 and 7 pairs', () => {
    const hex = encodeKvList([
      { key: 'l', value: 1n },
      { key: 'f', value: new Float32(1) },
    ]).toString('hex');
    assert.equal(
      hex,
      '0002' + '06' + '0001' + '6c' + '0008' + '0000000000000001' + '07' + '0001' + '66' + '0004' + '3f800000',
    );
  });

  test('an integer number beyond int32 is written as int64 and comes back as bigint', () => {
    const [a] = roundTrip([{ id: 22, tag: 'b', value: [{ key: 'n', value: 2 ** 40 }] }]);
    assert.deepStrictEqual(a?.value, [{ key: 'n', value: 2n ** 40n }]);
  });

  test('values that do not fit are refused', () => {
    const bad: KvValue[] = [1.5, 2n ** 63n, Number.NaN];
    for (const value of bad) assert.throws(() => encodeKvList([{ key: 'k', value }]), RangeError);
  });
});

describe('encodeFrame: size rules', () => {
  test("KV attribute tag and length by len(L): 'b' to 65 533, 'B' plain for 65 534-65 535, 'B' with a skipped u16 above", () => {
    const cases: [size: number, prefixHex: string][] = [
      [65533, '62' + 'ffff'],
      [65534, '42' + '0000fffe'],
      [65535, '42' + '0000ffff'],
      [65536, '42' + '00010002' + '0000'],
    ];
    for (const [size, prefixHex] of cases) {
      const value = listOfSize(size);
      assert.equal(encodeKvList(value).length, size);
      const frame = encodeFrame(103, [{ id: 22, tag: 'b', value }]);
      // Extended layout: 32-byte header, u32 chunk length, then count (1), message id (4), attribute id (4).
      const at = 32 + 4 + 1 + 4 + 4;
      assert.equal(frame.subarray(at, at + prefixHex.length / 2).toString('hex'), prefixHex, `len(L) = ${size}`);
      const [a] = roundTrip([{ id: 22, tag: 'B', value }]);
      assert.deepStrictEqual(a, { id: 22, tag: size <= 65533 ? 'b' : 'B', value });
    }
  });

  test("strings: 's' up to 65 535 UTF-8 bytes, 'S' above", () => {
    for (const [n, tag] of [
      [65535, 's'],
      [65536, 'S'],
    ] as const) {
      const value = 'é'.repeat(Math.floor(n / 2)) + (n % 2 ? 'a' : '');
      assert.equal(Buffer.byteLength(value), n);
      assert.deepStrictEqual(roundTrip([{ id: 8, tag: 'S', value }]), [{ id: 8, tag, value }]);
    }
  });

  test('a nested list above 65 535 bytes: flag 0x80, u32 value length, size prefix 0', () => {
    const inner = [...listOfSize(40000), ...listOfSize(30000)];
    assert.equal(encodeKvList(inner).length, 2 + (40000 - 2) + (30000 - 2));
    const hex = encodeKvList([{ key: 'n', value: inner }])
      .subarray(0, 12)
      .toString('hex');
    // count 1 | type 0x83 | key length 1 | 'n' | u32 len(L) + 2 = 70 000 | u16 size 0
    assert.equal(hex, '0001' + '83' + '0001' + '6e' + (70000).toString(16).padStart(8, '0') + '0000');
    const [a] = roundTrip([{ id: 22, tag: 'b', value: [{ key: 'n', value: inner }] }]);
    assert.deepStrictEqual(a?.value, [{ key: 'n', value: inner }]);
  });

  test('a body of 16 380 bytes is plain; 16 381 uses the extended layout in 16 380-byte chunks', () => {
    // Body = count 1 + id 4 + attribute id 4 + tag 1 + u16 length 2 + n.
    const plain = encodeFrame(126, [{ id: 33, tag: 's', value: 'a'.repeat(16380 - 12) }]);
    assert.equal(plain.readUInt32BE(0), 16380);
    assert.equal(plain.length, 16384);
    const ext = encodeFrame(126, [{ id: 33, tag: 's', value: 'a'.repeat(16381 - 12) }]);
    assert.equal(ext.subarray(0, 32).toString('latin1').slice(4, 28), '$PACKET EXTENSION V1.00$');
    assert.equal(ext.readUInt32BE(0), 28);
    assert.equal(ext.readUInt32BE(28), 16381);
    assert.equal(ext.readUInt32BE(32), 16380);
    assert.equal(ext.readUInt32BE(32 + 4 + 16380), 1);
    assert.equal(ext.length, 32 + 4 + 16380 + 4 + 1);
  });

  test('more than 255 attributes, or values of the wrong type, are refused', () => {
    const many = Array.from({ length: 256 }, (_, i): WireAttr => ({ id: i, tag: 'i', value: 0 }));
    assert.throws(() => encodeFrame(125, many), RangeError);
    assert.throws(() => encodeFrame(125, [{ id: 2, tag: 'i', value: 2 ** 31 }]), RangeError);
    assert.throws(() => encodeFrame(125, [{ id: 2, tag: 'i', value: 'x' }]), RangeError);
    assert.throws(() => encodeFrame(125, [{ id: 2, tag: 'l', value: 1 }]), RangeError);
    assert.throws(() => encodeFrame(125, [{ id: 2, tag: 's', value: 1 }]), TypeError);
    assert.throws(() => encodeFrame(125, [{ id: 2, tag: 'b', value: 'x' }]), TypeError);
    assert.throws(() => encodeFrame(-1, []), RangeError);
  });
});

describe('encodeFrame: any KV list survives encode -> parse', () => {
  const text = fc.string({ unit: 'binary', maxLength: 30 });
  const scalar: fc.Arbitrary<KvValue> = fc.oneof(
    text,
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.uint8Array({ maxLength: 20 }),
    text.map((s) => new Utf16(s)),
    fc.float().map((f) => new Float32(f)),
  );
  const { list } = fc.letrec<{ list: KvList; value: KvValue }>((tie) => ({
    list: fc.array(
      fc.tuple(text, tie('value')).map(([key, value]) => ({ key, value })),
      { maxLength: 6 },
    ),
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list')),
  }));

  test('property', () => {
    fc.assert(
      fc.property(list, fc.boolean(), (value, huge) => {
        // Optionally add a big pair so the 'B' and extended paths are exercised too.
        const v: KvList = huge ? [...value, { key: 'pad', value: 'p'.repeat(66000) }] : value;
        const [a] = roundTrip([{ id: 22, tag: 'b', value: v }]);
        assert.deepStrictEqual(a?.value, v);
      }),
      { numRuns: 300 },
    );
  });
});
