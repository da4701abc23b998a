/**
 * FrameParser robustness: fatal framing errors, the size cap checked before buffering, ADDP packets, the extended
 * layout's variants, and fuzzing (random and mutated bytes never throw, always end, stay bounded).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addpReply } from '../../src/transport/tcp/addp.ts';
import { encodeAddp, encodeFrame } from '../../src/transport/tcp/frame-encoder.ts';
import { FrameParser, type ParseEvent } from '../../src/transport/tcp/frame-parser.ts';
import { VECTORS, concat, parseInPieces, vectorBytes } from './tcp-helpers.ts';

const MARKER = Buffer.from('$PACKET EXTENSION V1.00$', 'latin1');

function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A plain frame around a raw body. */
function plain(body: Uint8Array): Uint8Array {
  return concat([u32(body.length), body]);
}

/** The extended layout around a raw body, cut into the given chunk sizes (the rest in one last chunk). */
function extended(body: Uint8Array, sizes: readonly number[] = []): Uint8Array {
  const parts: Uint8Array[] = [u32(28), MARKER, u32(body.length)];
  let at = 0;
  for (const s of [...sizes, body.length]) {
    const n = Math.min(s, body.length - at);
    if (n <= 0) break;
    parts.push(u32(n), body.subarray(at, at + n));
    at += n;
  }
  return concat(parts);
}

/** The body of a plain frame (its bytes after the length prefix). */
function bodyOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(4);
}

function single(bytes: Uint8Array, maxFrameBytes = 1 << 20): ParseEvent[] {
  return new FrameParser({ maxFrameBytes }).push(bytes);
}

function fatal(events: readonly ParseEvent[]): string {
  assert.equal(
    events.length,
    1,
    JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
  const ev = events[0]!;
  assert.equal(ev.kind, 'fatal');
  return ev.reason;
}

const ack = vectorBytes(VECTORS.find((v) => v.name === 'EventAck.Plain')!);

/** Checks the invariants of one parser run; returns its events. */
function runChecked(bytes: Uint8Array, cuts: readonly number[], maxFrameBytes: number): ParseEvent[] {
  const parser = new FrameParser({ maxFrameBytes });
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const events: ParseEvent[] = [];
  let from = 0;
  for (const c of [...points, bytes.length]) {
    const out = parser.push(bytes.subarray(from, c));
    from = c;
    if (events.some((e) => e.kind === 'fatal')) assert.equal(out.length, 0, 'nothing after a fatal');
    events.push(...out);
    assert.ok(parser.bufferedBytes <= maxFrameBytes, `buffered ${parser.bufferedBytes} > ${maxFrameBytes}`);
  }
  const fatals = events.filter((e) => e.kind === 'fatal').length;
  assert.ok(fatals <= 1);
  if (fatals === 1) {
    assert.equal(events.at(-1)!.kind, 'fatal');
    assert.ok(parser.isFailed);
    assert.deepEqual(parser.push(ack), []);
  }
  return events;
}

describe('FrameParser: fatal framing', () => {
  test('a declared length above maxFrameBytes is fatal at once, before any body is buffered', () => {
    const parser = new FrameParser({ maxFrameBytes: 1024 });
    const reason = fatal(parser.push(u32(1025)));
    assert.match(reason, /1025.*limit of 1024/);
    assert.equal(parser.bufferedBytes, 0);
    assert.deepEqual(parser.push(ack), []);
  });

  test('an extended body length above maxFrameBytes is fatal right after the 32-byte header', () => {
    const parser = new FrameParser({ maxFrameBytes: 1024 });
    const header = concat([u32(28), MARKER, u32(1_000_000)]);
    assert.deepEqual(parser.push(header.subarray(0, 31)), []);
    assert.match(fatal(parser.push(header.subarray(31))), /1000000.*limit of 1024/);
    assert.equal(parser.bufferedBytes, 0);
  });

  test('the cap is a limit, not a size: a frame of exactly maxFrameBytes passes', () => {
    const body = bodyOf(encodeFrame(125, [{ id: 33, tag: 's', value: 'x'.repeat(100) }]));
    const events = single(plain(body), body.length);
    assert.equal(events[0]?.kind, 'frame');
    assert.match(fatal(single(plain(body), body.length - 1)), /over the limit/);
  });

  test('a length below 5 bytes is fatal', () => {
    for (const n of [0, 1, 4]) assert.match(fatal(single(concat([u32(n), new Uint8Array(n)]))), /bad frame length/);
  });

  test('an unknown type tag is fatal', () => {
    const body = Uint8Array.of(1, 0, 0, 0, 125, 0, 0, 0, 2, 0x78, 0, 0, 0, 1);
    assert.match(fatal(single(plain(body))), /unknown type tag 0x78 of attribute 2/);
  });

  test('a truncated attribute is fatal', () => {
    // Two attributes announced, one present.
    const one = bodyOf(encodeFrame(125, [{ id: 2, tag: 'i', value: 3 }]));
    const body = Uint8Array.from(one);
    body[0] = 2;
    assert.match(fatal(single(plain(body))), /truncated frame/);
    // A string longer than the frame.
    const s = bodyOf(encodeFrame(126, [{ id: 33, tag: 's', value: 'abc' }]));
    assert.match(fatal(single(plain(s.subarray(0, s.length - 1)))), /truncated frame/);
  });

  test('trailing bytes after the announced attributes are fatal', () => {
    const body = concat([bodyOf(ack), Uint8Array.of(0)]);
    assert.match(fatal(single(plain(body))), /trailing bytes/);
  });

  test('malformed KV lists are fatal', () => {
    const kvFrame = (list: number[], tag = 0x62): Uint8Array => {
      const len = tag === 0x62 ? [(list.length + 2) >> 8, (list.length + 2) & 0xff] : [...u32(list.length)];
      return plain(Uint8Array.from([1, 0, 0, 0, 100, 0, 0, 0, 89, tag, ...len, ...list]));
    };
    // Pair count 2, one pair.
    assert.match(fatal(single(kvFrame([0, 2, 0, 0, 1, 0x6b, 0, 0]))), /truncated KV attribute 89/);
    // Int pair with a 3-byte value.
    assert.match(fatal(single(kvFrame([0, 1, 1, 0, 1, 0x6b, 0, 3, 0, 0, 1]))), /int value of 'k' has 3 bytes/);
    // Unknown pair type 5.
    assert.match(fatal(single(kvFrame([0, 1, 5, 0, 1, 0x6b, 0, 0]))), /unknown KV type 5/);
    // Odd UTF-16 length.
    assert.match(fatal(single(kvFrame([0, 1, 4, 0, 1, 0x6b, 0, 1, 0x41]))), /odd length/);
    // Bytes after the last pair.
    assert.match(fatal(single(kvFrame([0, 0, 9]))), /trailing bytes after the KV attribute 89/);
    // 'b' length field below its own 2 bytes.
    assert.match(fatal(single(plain(Uint8Array.of(1, 0, 0, 0, 100, 0, 0, 0, 89, 0x62, 0, 1)))), /bad length 1/);
    // Nested list without its size prefix.
    assert.match(fatal(single(kvFrame([0, 1, 3, 0, 1, 0x6b, 0, 1, 0]))), /no size prefix/);
    // 'B' with a well-formed list is fine.
    const ok = single(kvFrame([0, 1, 0, 0, 1, 0x6b, 0, 1, 0x76], 0x42));
    assert.deepStrictEqual(ok, [
      { kind: 'frame', messageId: 100, attrs: [{ id: 89, tag: 'B', value: [{ key: 'k', value: 'v' }] }] },
    ]);
  });

  test('KV lists nested too deep are fatal, not a stack overflow', () => {
    // Build 200 levels: each level is one pair 'n' of type 3 holding the next list.
    let inner: Buffer = Buffer.from([0, 0]);
    for (let i = 0; i < 200; i++) {
      const size = inner.length + 2;
      const pair = Buffer.alloc(1 + 2 + 1 + 2 + 2);
      pair.writeUInt8(3, 0);
      pair.writeUInt16BE(1, 1);
      pair.write('n', 3);
      pair.writeUInt16BE(size, 4);
      pair.writeUInt16BE(size, 6);
      inner = Buffer.concat([Buffer.from([0, 1]), pair, inner]);
    }
    const head = Buffer.alloc(1 + 4 + 4 + 1 + 4);
    head.writeUInt8(1, 0);
    head.writeUInt32BE(100, 1);
    head.writeUInt32BE(89, 5);
    head.write('B', 9, 'latin1');
    head.writeUInt32BE(inner.length, 10);
    assert.match(fatal(single(plain(concat([head, inner])))), /nested deeper than 64/);
  });

  test('a bad extended header is fatal', () => {
    const header = Buffer.concat([u32(28), Buffer.from('$PACKET EXTENSION V2.00$', 'latin1'), u32(100)]);
    assert.match(fatal(single(header)), /bad extended header: unsupported marker '\$PACKET EXTENSION V2\.00\$'/);
    assert.match(fatal(single(concat([u32(28), MARKER, u32(3)]))), /bad extended header: body length 3/);
  });

  test('a zero or oversized chunk is fatal', () => {
    const body = bodyOf(ack);
    assert.match(fatal(single(concat([u32(28), MARKER, u32(body.length), u32(0)]))), /chunk length 0/);
    assert.match(fatal(single(concat([u32(28), MARKER, u32(body.length), u32(body.length + 1)]))), /chunk length/);
  });

  test('a frame event before a fatal in the same chunk is kept', () => {
    const events = single(concat([ack, u32(2)]));
    assert.equal(events.length, 2);
    assert.equal(events[0]!.kind, 'frame');
    assert.equal(events[1]!.kind, 'fatal');
  });

  test('maxFrameBytes must be a usable integer', () => {
    assert.throws(() => new FrameParser({ maxFrameBytes: 0 }), RangeError);
    assert.throws(() => new FrameParser({ maxFrameBytes: Number.NaN }), RangeError);
  });
});

describe('FrameParser: tolerated layouts', () => {
  const expected = single(ack);

  test('the extended layout for a small frame (SDK probe extAck)', () => {
    assert.deepStrictEqual(single(extended(bodyOf(ack))), expected);
  });

  test('extended chunks of any size, not only 16 380', () => {
    const body = bodyOf(ack);
    assert.deepStrictEqual(single(extended(body, [1, 5, 3])), expected);
  });

  test('a plain frame above 16 380 bytes within the cap (the SDK would refuse it; we accept)', () => {
    const v = VECTORS.find((x) => x.name === 'RequestSubmit.Large20k')!;
    const bytes = Buffer.from(vectorBytes(v));
    // Reassemble the body from the chunks that follow the 32-byte extended header, then send it plain.
    const body: Uint8Array[] = [];
    for (let at = 32; at < bytes.length; at += 4 + bytes.readUInt32BE(at)) {
      body.push(bytes.subarray(at + 4, at + 4 + bytes.readUInt32BE(at)));
    }
    assert.deepStrictEqual(single(plain(concat(body))), single(bytes));
  });

  test('a 28-byte plain frame that is not an extended header is an ordinary frame', () => {
    const frame = encodeFrame(126, [{ id: 33, tag: 's', value: 'x'.repeat(16) }]);
    assert.equal(frame.readUInt32BE(0), 28);
    const events = single(frame);
    assert.equal(events[0]?.kind, 'frame');
  });
});

describe('FrameParser: ADDP', () => {
  test('ADDP packets before, between and after frames, and between extended chunks', () => {
    const init = encodeAddp('I', Uint8Array.of(0x80, 0x0b, 0xb8));
    const ping = encodeAddp('P', Uint8Array.of(0, 0, 1));
    const body = bodyOf(ack);
    const ext = concat([
      u32(28),
      MARKER,
      u32(body.length),
      u32(4),
      body.subarray(0, 4),
      ping,
      u32(body.length - 4),
      body.subarray(4),
    ]);
    const stream = concat([init, ack, ping, ping, ext, ping]);
    const a = (command: string, data: number[]): ParseEvent => ({ kind: 'addp', command, data: Uint8Array.from(data) });
    const frame = single(ack)[0]!;
    const want = [
      a('I', [0x80, 0x0b, 0xb8]),
      frame,
      a('P', [0, 0, 1]),
      a('P', [0, 0, 1]),
      a('P', [0, 0, 1]),
      frame,
      a('P', [0, 0, 1]),
    ];
    assert.deepStrictEqual(parseInPieces(stream, []), want);
    for (let cut = 1; cut < stream.length; cut++) assert.deepStrictEqual(parseInPieces(stream, [cut]), want);
  });

  test('the server replies of addpReply', () => {
    const hex = (b: Buffer | undefined): string | undefined => b?.toString('hex');
    assert.equal(hex(addpReply('I', Uint8Array.of(0x80, 0x0b, 0xb8))), Buffer.from('p2i').toString('hex') + '000000');
    assert.equal(hex(addpReply('P', Uint8Array.of(1, 2, 3))), Buffer.from('p2p').toString('hex') + '010203');
    assert.equal(hex(addpReply('R', Uint8Array.of(1, 2, 3))), Buffer.from('p2r').toString('hex') + '010203');
    assert.equal(hex(addpReply('V', Uint8Array.of(0, 0, 9))), Buffer.from('p2v').toString('hex') + '000009');
    for (const c of ['X', 'i', 'p', 'Q']) assert.equal(addpReply(c, Uint8Array.of(0, 0, 0)), undefined);
    assert.equal(addpReply('P', Uint8Array.of(1)), undefined);
  });

  test('encodeAddp refuses malformed packets', () => {
    assert.throws(() => encodeAddp('PP', Uint8Array.of(0, 0, 0)), RangeError);
    assert.throws(() => encodeAddp('P', Uint8Array.of(0, 0)), RangeError);
  });
});

describe('FrameParser: fuzzing', () => {
  const cutsArb = fc.array(fc.nat(), { maxLength: 20 });

  test('random bytes never throw, always end and stay bounded', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        cutsArb,
        fc.integer({ min: 16, max: 8192 }),
        (bytes, cuts, max) => {
          runChecked(bytes, cuts, max);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('random bodies behind a valid length prefix never throw', () => {
    const body = fc.tuple(
      fc.nat({ max: 6 }),
      fc.constantFrom(100, 101, 103, 125),
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 12 }),
          fc.constantFrom(...[0x69, 0x6c, 0x73, 0x53, 0x62, 0x42].map((t) => Uint8Array.of(0, 0, 0, 25, t))),
          fc.constantFrom(
            Uint8Array.of(0, 0),
            Uint8Array.of(0, 1),
            Uint8Array.of(0xff, 0xff),
            Uint8Array.of(3, 0, 1, 0x6b),
          ),
        ),
        { maxLength: 12 },
      ),
    );
    fc.assert(
      fc.property(body, cutsArb, ([count, id, pieces], cuts) => {
        const b = concat([Uint8Array.of(count), u32(id), ...pieces]);
        const events = runChecked(concat([plain(b), ack]), cuts, 4096);
        assert.ok(events.length >= 1);
      }),
      { numRuns: 1000 },
    );
  });

  test('mutated vectors never throw, always end and stay bounded', () => {
    const vectors = VECTORS.filter((v) => v.length < 70_000).map(vectorBytes);
    fc.assert(
      fc.property(
        fc.nat({ max: vectors.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }),
        cutsArb,
        fc.boolean(),
        (which, mutations, cuts, small) => {
          const bytes = Uint8Array.from(vectors[which]!);
          for (const [pos, byte] of mutations) bytes[pos % bytes.length] = byte;
          runChecked(bytes, cuts, small ? 1024 : 1 << 20);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('every strict prefix of a vector yields nothing yet (no event, no fatal)', () => {
    for (const v of VECTORS.filter((x) => x.length < 1000)) {
      const bytes = vectorBytes(v);
      for (let n = 0; n < bytes.length; n++)
        assert.deepEqual(single(bytes.subarray(0, n)), [], `${v.name} prefix ${n}`);
    }
  });
});
