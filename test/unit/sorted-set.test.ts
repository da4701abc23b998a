/**
 * SortedSet (the blocks behind the waiting, available and view indexes) against a plain sorted array, over random
 * adds (many in ascending runs, as arrivals in a FIFO queue), deletes, replacements and resets, with blocks small
 * enough to split and empty out often.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SortedSet, type Fence, type Tie } from '../../src/core/sorted-set.ts';

interface Item {
  readonly key: number;
  readonly id: number;
}

const cmp = (a: Item, b: Item): number => a.key - b.key || a.id - b.id;

type Op =
  | { t: 'add'; key: number; id: number }
  | { t: 'append'; n: number }
  | { t: 'delete'; k: number }
  | { t: 'replace'; k: number }
  | { t: 'reset'; n: number };

const OPS: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ t: fc.constant('add' as const), key: fc.integer({ min: 0, max: 50 }), id: fc.nat(5000) }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('append' as const), n: fc.integer({ min: 1, max: 700 }) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('delete' as const), k: fc.nat(10_000) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('replace' as const), k: fc.nat(10_000) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('reset' as const), n: fc.integer({ min: 0, max: 1200 }) }), weight: 1 },
);

const pad = (n: number): string => String(n).padStart(6, '0');

/**
 * Fences (coarse keys kept per block, sorted-set.ts): none, a coarse one, one that turns itself off; and ties (finer
 * text keys among blocks of one fence): an exact one, a coarse one, one that turns itself off.
 */
const FENCES: [string, Fence<Item> | undefined, Tie<Item> | undefined][] = [
  ['without a fence', undefined, undefined],
  ['with a coarse fence', (i) => Math.floor(i.key / 4), undefined],
  ['with an exact fence', (i) => i.key, undefined],
  ['with a fence that is NaN for one key (fences off from then on)', (i) => (i.key === 13 ? NaN : i.key), undefined],
  ['with a coarse fence and an exact tie', (i) => Math.floor(i.key / 4), (i) => `${pad(i.key)}:${pad(i.id)}`],
  ['with a coarse fence and a coarse tie', (i) => Math.floor(i.key / 8), (i) => pad(Math.floor(i.key / 2))],
  [
    'with a tie that is undefined for one key (ties off from then on)',
    (i) => Math.floor(i.key / 4),
    (i) => (i.key === 13 ? undefined : `${pad(i.key)}:${pad(i.id)}`),
  ],
  ['with a tie and a fence that is NaN for one key', (i) => (i.key === 13 ? NaN : i.key), (i) => pad(i.id)],
];

describe('SortedSet against a sorted array', () => {
  for (const [name, fence, tie] of FENCES)
    it(`the same items in the same order after every operation, ${name}`, () => {
      fc.assert(
        fc.property(fc.array(OPS, { minLength: 1, maxLength: 80 }), (ops) => {
          const set = new SortedSet<Item>(cmp, fence, tie);
          let oracle: Item[] = [];
          let nextId = 10_000;
          const insert = (item: Item): void => {
            set.add(item);
            if (!oracle.some((o) => cmp(o, item) === 0)) oracle = [...oracle, item].sort(cmp);
          };
          for (const op of ops) {
            if (op.t === 'add') insert({ key: op.key, id: op.id });
            else if (op.t === 'append') {
              // Ascending arrivals after everything present (the fast path), then one that is not.
              const top = oracle.at(-1)?.key ?? 0;
              for (let i = 0; i < op.n; i++) insert({ key: top + 1 + i, id: nextId++ });
              insert({ key: 0, id: nextId++ });
            } else if (op.t === 'delete' || op.t === 'replace') {
              const victim = oracle.length ? oracle[op.k % oracle.length] : { key: -1, id: -1 };
              if (!victim) continue;
              if (op.t === 'delete') {
                assert.equal(set.delete(victim), oracle.includes(victim));
                oracle = oracle.filter((o) => o !== victim);
              } else {
                const twin = { ...victim };
                assert.equal(set.replace(victim, twin), oracle.includes(victim));
                oracle = oracle.map((o) => (o === victim ? twin : o));
              }
            } else {
              const items = Array.from({ length: op.n }, (_, i) => ({ key: (i * 7919) % 97, id: nextId++ }));
              set.reset([...items]);
              oracle = [...items].sort(cmp);
            }
            assert.equal(set.size, oracle.length);
            assert.equal(set.first(), oracle[0]);
            assert.equal(set.last(), oracle[oracle.length - 1]);
          }
          const got = [...set];
          assert.equal(got.length, oracle.length);
          got.forEach((g, i) => {
            assert.equal(g, oracle[i], `position ${String(i)}`);
          });
        }),
        { numRuns: 300 },
      );
    });
});
