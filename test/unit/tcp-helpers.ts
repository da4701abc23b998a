/** Shared helpers of the TCP codec tests: the wire vectors of test/fixtures/vectors and their expected messages. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isMessageById } from '../../src/protocol/catalogue.ts';
import { Utf16, type KvList, type KvPair } from '../../src/protocol/kv.ts';
import type { AttrValue, Message } from '../../src/protocol/message.ts';
import { FrameParser, type ParseEvent } from '../../src/transport/tcp/frame-parser.ts';

/** One pair of a vector KV list. */
export interface VectorPair {
  key: string;
  type: 'string' | 'int' | 'binary' | 'list' | 'utf16';
  value: unknown;
}

/** One attribute of a vector, in wire order. */
export interface VectorAttr {
  id: number;
  tag: string;
  name: string;
  group?: string;
  type: string;
  value: unknown;
}

/** One IS wire vector. */
export interface Vector {
  name: string;
  message: string;
  messageId: number;
  length: number;
  extended: boolean;
  chunks?: number;
  attributes: VectorAttr[];
  hex: string;
}

function load(file: string): Vector[] {
  const text = readFileSync(new URL(`../fixtures/vectors/${file}`, import.meta.url), 'utf8');
  return (JSON.parse(text) as { vectors: Vector[] }).vectors;
}

/** Every IS vector: interaction-server.json then interaction-server-large.json. */
export const VECTORS: readonly Vector[] = [
  ...load('interaction-server.json'),
  ...load('interaction-server-large.json'),
];

/** The bytes of a vector. */
export function vectorBytes(v: Vector): Uint8Array {
  return new Uint8Array(Buffer.from(v.hex, 'hex'));
}

/** A vector KV list in the KvList form (binary from hex, utf16 as Utf16, nested arrays as lists). */
export function vectorKv(list: readonly VectorPair[]): KvList {
  return list.map((p): KvPair => {
    switch (p.type) {
      case 'string':
      case 'int':
        return { key: p.key, value: p.value as string | number };
      case 'binary':
        return { key: p.key, value: new Uint8Array(Buffer.from(p.value as string, 'hex')) };
      case 'utf16':
        return { key: p.key, value: new Utf16(p.value as string) };
      case 'list':
        return { key: p.key, value: vectorKv(p.value as VectorPair[]) };
    }
  });
}

/** A vector attribute value in the Message form (bool, enum number, date string, KV list). */
export function vectorValue(a: VectorAttr): AttrValue {
  if (a.type === 'kvlist') return vectorKv(a.value as VectorPair[]);
  return a.value as AttrValue;
}

/**
 * The message a vector must decode to: each attribute under the catalogue name of its wire id in that message (the
 * vector names flattened group members by their SDK property), and extension-key pairs lifted out of Extension.
 */
export function expectedMessage(v: Vector): Message {
  const def = isMessageById(v.messageId);
  if (!def) throw new Error(`vector ${v.name}: message id ${v.messageId} is not in the catalogue`);
  const attrs: Record<string, AttrValue> = {};
  for (const a of v.attributes) {
    const ad = def.byWireId.get(a.id);
    if (!ad) throw new Error(`vector ${v.name}: attribute ${a.id} is not in the catalogue entry of ${def.name}`);
    attrs[ad.name] = vectorValue(a);
  }
  const ext = attrs.Extension as KvList | undefined;
  if (ext) {
    const rest = ext.filter((p) => {
      const ad = def.byExtensionKey.get(p.key);
      if (ad) attrs[ad.name] = p.value as AttrValue;
      return !ad;
    });
    if (rest.length === 0) delete attrs.Extension;
    else attrs.Extension = rest;
  }
  return { protocol: 'is', name: def.name, attrs };
}

/** The one frame `bytes` hold (fails the test on anything else: no event, several, a close). */
export function onlyFrame(bytes: Uint8Array, label = 'frame'): Extract<ParseEvent, { kind: 'frame' }> {
  const events = new FrameParser({ maxFrameBytes: 1 << 20 }).push(bytes);
  assert.equal(events.length, 1, `${label}: one event`);
  const ev = events[0]!;
  if (ev.kind !== 'frame') assert.fail(`${label}: not a frame but ${ev.kind}`);
  return ev;
}

/** Checks that a frame's attributes are in ascending id order (the order the server writes). */
export function assertAscendingIds(f: { readonly attrs: readonly { readonly id: number }[] }): void {
  const ids = f.attrs.map((a) => a.id);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
  );
}

/** Pushes `bytes` cut at the given offsets into a fresh parser and returns every event. */
export function parseInPieces(bytes: Uint8Array, cuts: readonly number[], maxFrameBytes = 1 << 20): ParseEvent[] {
  const parser = new FrameParser({ maxFrameBytes });
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const events: ParseEvent[] = [];
  let from = 0;
  for (const c of [...points, bytes.length]) {
    events.push(...parser.push(bytes.subarray(from, c)));
    from = c;
  }
  return events;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
