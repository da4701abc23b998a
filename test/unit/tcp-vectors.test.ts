/**
 * The IS wire vectors of test/fixtures/vectors: every vector decodes to the vector's attributes and re-encodes byte for
 * byte, at any TCP fragmentation, alone or in one stream with ADDP packets between frames.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ParseEvent } from '../../src/transport/tcp/frame-parser.ts';
import { encodeAddp, encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import { decodeIsFrame, encodeIsMessage, encodeIsMessageOrdered } from '../../src/transport/tcp/is-codec.ts';
import {
  VECTORS,
  assertAscendingIds,
  concat,
  expectedMessage,
  onlyFrame,
  parseInPieces,
  vectorBytes,
  type Vector,
} from './tcp-helpers.ts';

/** The extended header start: u32 28 and '$' (README §1). */
const EXTENDED_START = '0000001c24';

function parseWhole(v: Vector): Extract<ParseEvent, { kind: 'frame' }> {
  return onlyFrame(vectorBytes(v), v.name);
}

describe('IS vectors', () => {
  test('there are 19 + 7 vectors', () => {
    assert.equal(VECTORS.length, 26);
  });

  for (const v of VECTORS) {
    test(`${v.name}: decodes to the vector's attributes and re-encodes byte-exact`, () => {
      const bytes = vectorBytes(v);
      assert.equal(bytes.length, v.length);
      assert.equal(v.hex.startsWith(EXTENDED_START), v.extended, 'extended layout flag');

      const ev = parseWhole(v);
      assert.equal(ev.messageId, v.messageId);
      assert.deepEqual(
        ev.attrs.map((a) => [a.id, a.tag]),
        v.attributes.map((a) => [a.id, a.tag]),
        'wire ids and tags in wire order',
      );
      // Wire level: the parsed attributes re-encode to the same bytes.
      assert.equal(encodeFrame(ev.messageId, ev.attrs).toString('hex'), v.hex);

      // Message level.
      const r = decodeIsFrame(ev.messageId, ev.attrs);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepStrictEqual(r.message, expectedMessage(v));
      const order = v.attributes.map((a) => a.id);
      assert.equal(encodeIsMessageOrdered(r.message, order).toString('hex'), v.hex);

      // Ascending order (what the server sends) decodes to the same message.
      const f = onlyFrame(encodeIsMessage(r.message));
      assertAscendingIds(f);
      assert.deepStrictEqual(decodeIsFrame(f.messageId, f.attrs), { ok: true, message: r.message });
    });
  }

  test('EventAck.Submit: Extension InteractionId becomes the InteractionId attribute', () => {
    const v = VECTORS.find((x) => x.name === 'EventAck.Submit')!;
    const ev = parseWhole(v);
    const r = decodeIsFrame(ev.messageId, ev.attrs);
    assert.deepStrictEqual(r, {
      ok: true,
      message: { protocol: 'is', name: 'EventAck', attrs: { ReferenceId: 2, InteractionId: '0001Ma7K9JQX0001' } },
    });
  });

  test('EventInteractionSubmitted decodes under the catalogue spelling of its name', () => {
    const v = VECTORS.find((x) => x.message === 'EventInteractionSubmited')!;
    const r = decodeIsFrame(v.messageId, parseWhole(v).attrs);
    assert.ok(r.ok);
    assert.equal(r.message.name, 'EventInteractionSubmitted');
  });

  for (const v of VECTORS) {
    test(`${v.name}: any split gives the same frame`, () => {
      const bytes = vectorBytes(v);
      const whole = parseInPieces(bytes, []);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
          assert.deepStrictEqual(parseInPieces(bytes, cuts), whole);
        }),
        { numRuns: bytes.length > 50_000 ? 15 : 60 },
      );
    });
  }

  test('one byte at a time', () => {
    for (const name of ['RequestSubmit', 'RequestSubmit.Boundary16385']) {
      const v = VECTORS.find((x) => x.name === name)!;
      const bytes = vectorBytes(v);
      const cuts = Array.from({ length: bytes.length }, (_, i) => i);
      assert.deepStrictEqual(parseInPieces(bytes, cuts), parseInPieces(bytes, []));
    }
  });

  test('a stream of all vectors with ADDP packets between frames, split anywhere', () => {
    const frames = VECTORS.map(vectorBytes);
    const whole = frames.map((b) => parseInPieces(b, [])[0]!);
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 2 }), { minLength: frames.length + 1, maxLength: frames.length + 1 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (addpCounts, rawCuts) => {
          const parts: Uint8Array[] = [];
          const expected: ParseEvent[] = [];
          let ping = 0;
          const addp = (n: number): void => {
            for (let i = 0; i < n; i++) {
              const data = Uint8Array.of(0, 0, ping++ & 0xff);
              parts.push(encodeAddp('P', data));
              expected.push({ kind: 'addp', command: 'P', data });
            }
          };
          frames.forEach((f, i) => {
            addp(addpCounts[i]!);
            parts.push(f);
            expected.push(whole[i]!);
          });
          addp(addpCounts[frames.length]!);
          const stream = concat(parts);
          const cuts = rawCuts.map((c) => c % stream.length);
          assert.deepStrictEqual(parseInPieces(stream, cuts), expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});
