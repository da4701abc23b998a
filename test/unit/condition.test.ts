/**
 * The condition language (lifecycle.md §2): examples from the spec, precedence, every comparison, missing values,
 * LIKE, orders, error messages; fuzzing with fast-check (arbitrary text, deep nesting, print/parse round trip, the
 * compiled closures against a naive evaluator of the tree).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type CompareOp,
  compareValues,
  compile,
  compileCondition,
  compileOrder,
  compileOrderText,
  compileSkillExpression,
  type Condition,
  ConditionParseError,
  type ConditionRecord,
  type ConditionValue,
  DEFAULT_QUEUE_ORDER,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  type Operand,
  type Order,
  parseCondition,
  parseOrder,
  parseSkillExpression,
  printCondition,
  printOrder,
  type PropertyRef,
  type PropertyScope,
  referencedProperties,
  SYSTEM_CONDITION_PROPERTIES,
} from '../../src/condition/index.ts';

type Value = ConditionValue | null | undefined;

/** A record: user-data keys, and system properties (both by exact name). */
function rec(user: Record<string, Value>, system: Record<string, Value> = {}): ConditionRecord {
  return {
    get: (name: string, scope: PropertyScope) => {
      assert.notEqual(scope, 'skill');
      return scope === 'system' ? system[name] : user[name];
    },
  };
}

/** An agent's skills. */
function skills(levels: Record<string, number>): ConditionRecord {
  return {
    get: (name: string, scope: PropertyScope) => {
      assert.equal(scope, 'skill');
      return levels[name];
    },
  };
}

const user = (name: string): PropertyRef => ({ kind: 'property', scope: 'user', name });
const system = (name: string): PropertyRef => ({ kind: 'property', scope: 'system', name });
const lit = (value: ConditionValue): Operand => ({ kind: 'literal', value });
const eq = (name: string, value: ConditionValue): Condition => ({
  kind: 'compare',
  op: '=',
  left: user(name),
  right: lit(value),
});

/** fc.record with plain objects (deepEqual compares prototypes, and parsed trees are plain objects). */
function node<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

function parseError(f: () => unknown): ConditionParseError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConditionParseError, `expected a ConditionParseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConditionParseError, nothing was thrown');
}

describe('condition language: the examples of lifecycle.md §2', () => {
  const vip = "Segment = 'gold' AND _time_in_queue > 60";
  const cases: [string, ConditionRecord, boolean][] = [
    [vip, rec({ Segment: 'gold' }, { _time_in_queue: 61 }), true],
    [vip, rec({ Segment: 'gold' }, { _time_in_queue: 60 }), false],
    [vip, rec({ Segment: 'silver' }, { _time_in_queue: 600 }), false],
    [vip, rec({}, { _time_in_queue: 600 }), false],
    [vip, rec({ Segment: 'gold' }), false],
    // Two-valued logic: NOT inverts, so it is true of a missing key.
    ["NOT Segment = 'gold'", rec({}), true],
    ["NOT Segment = 'gold'", rec({ Segment: 'gold' }), false],
    ["NOT Segment = 'gold'", rec({ Segment: 'silver' }), true],
    // ... while a comparison on a missing key is false, whatever the operator.
    ["Segment <> 'gold'", rec({}), false],
    ["Segment != 'gold'", rec({}), false],
    ["Segment <> 'gold'", rec({ Segment: 'silver' }), true],
    ["Segment IN ('gold', 'silver')", rec({}), false],
    ["Segment NOT IN ('gold', 'silver')", rec({}), false],
    ["Segment NOT IN ('gold', 'silver')", rec({ Segment: 'bronze' }), true],
    ["Segment LIKE 'g%'", rec({}), false],
    ["Segment NOT LIKE 'g%'", rec({}), false],
    ['Segment IS NULL', rec({}), true],
    ['Segment IS NULL', rec({ Segment: 'gold' }), false],
    ['Segment IS NOT NULL', rec({}), false],
    ['Segment IS NOT NULL', rec({ Segment: '' }), true],
    // Literals: '' inside text is a quote; numbers.
    ["Name = 'O''Brien'", rec({ Name: "O'Brien" }), true],
    ["Name = ''''", rec({ Name: "'" }), true],
    ["Name = ''", rec({ Name: '' }), true],
    ['Amount = 12.5', rec({ Amount: 12.5 }), true],
    ['Amount > -1', rec({ Amount: 0 }), true],
    ['Amount < .5', rec({ Amount: 0.25 }), true],
    ['Amount = 1e3', rec({ Amount: 1000 }), true],
    // Priority is a user-data key like any other.
    ['Priority > 5', rec({ Priority: 7 }), true],
    ['Priority > 5', rec({}, { Priority: 7 }), false],
    // The system properties, by name.
    ["Queue = 'Sales' AND TenantId = 1 AND IsOnline = 0", rec({}, { Queue: 'Sales', TenantId: 1, IsOnline: 0 }), true],
    ["MediaType = 'email'", rec({ MediaType: 'email' }, { MediaType: 'chat' }), false],
    // Genesys's examples (reference §6.2): column-like names are user-data keys; _time_in_queue[] is accepted.
    [
      "customer_segment='gold' AND service_type='sales'",
      rec({ customer_segment: 'gold', service_type: 'sales' }),
      true,
    ],
    ['_time_in_queue[] > 4320', rec({}, { _time_in_queue: 4321 }), true],
    ['_time_in_queue[] > 4320', rec({}, { _time_in_queue: 4320 }), false],
    // Keywords are case-insensitive.
    ["segment = 'x' or not Other is null and Other like '%a%'", rec({ Other: 'bab' }), true],
    ["Segment In ('a') aNd Other Not Like 'z%'", rec({ Segment: 'a', Other: 'y' }), true],
  ];
  for (const [text, record, expected] of cases) {
    it(`${text} -> ${String(expected)}`, () => {
      assert.equal(compile(text)(record), expected);
    });
  }

  it('names: system properties exactly as spelled, everything else a case-sensitive user-data key', () => {
    for (const name of SYSTEM_CONDITION_PROPERTIES) {
      assert.deepEqual(referencedProperties(parseCondition(`${name} IS NULL`)), [system(name)]);
    }
    assert.deepEqual(referencedProperties(parseCondition('_time_in_queue > 1')), [system('_time_in_queue')]);
    assert.deepEqual(referencedProperties(parseCondition('queue IS NULL')), [user('queue')]);
    assert.deepEqual(referencedProperties(parseCondition('"Queue" IS NULL')), [user('Queue')]);
    assert.deepEqual(referencedProperties(parseCondition('"a b ""c""" IS NULL')), [user('a b "c"')]);
    assert.deepEqual(referencedProperties(parseCondition('Priority IS NULL')), [user('Priority')]);
    assert.deepEqual(referencedProperties(parseCondition('AbandonedAt IS NULL')), [user('AbandonedAt')]);
    // Keywords are matched on ASCII letters only: these are names, not IN and IS.
    assert.deepEqual(referencedProperties(parseCondition('ın = 1 AND iſ = 2')), [user('ın'), user('iſ')]);
    assert.equal(compile("segment = 'gold'")(rec({ Segment: 'gold' })), false);
    assert.equal(compile("Segment = 'GOLD'")(rec({ Segment: 'gold' })), false);
  });

  it('skill expressions: the same language, every name a skill', () => {
    const agent = skills({ english: 8, billing: 3, Queue: 9 });
    assert.equal(compileSkillExpression('english >= 5')(agent), true);
    assert.equal(compileSkillExpression('english >= 5 AND billing > 5')(agent), false);
    assert.equal(compileSkillExpression('english >= 5 AND (billing > 5 OR french IS NULL)')(agent), true);
    assert.equal(compileSkillExpression('french > 0')(agent), false);
    assert.equal(compileSkillExpression('NOT french > 0')(agent), true);
    assert.equal(compileSkillExpression('Queue = 9 AND "Queue" = 9')(agent), true);
    assert.equal(compileSkillExpression('English >= 5')(agent), false);
    assert.deepEqual(referencedProperties(parseSkillExpression('english > 1 OR _time_in_queue > 1')), [
      { kind: 'property', scope: 'skill', name: 'english' },
      { kind: 'property', scope: 'skill', name: '_time_in_queue' },
    ]);
    assert.equal(parseError(() => parseSkillExpression('_time_in_queue[] > 1')).position, 15);
  });

  it('referencedProperties lists each property once, in order of appearance', () => {
    const c = parseCondition("a = 1 AND (b IN (1) OR NOT a LIKE 'x') AND Queue = c AND 1 = 1 AND Queue IS NULL");
    assert.deepEqual(referencedProperties(c), [user('a'), user('b'), system('Queue'), user('c')]);
    assert.deepEqual(referencedProperties(parseOrder(DEFAULT_QUEUE_ORDER)), [user('Priority'), system('SubmittedAt')]);
  });
});

describe('condition language: precedence and associativity', () => {
  const a = eq('a', 1);
  const b = eq('b', 1);
  const c = eq('c', 1);

  it('NOT binds tighter than AND, AND tighter than OR', () => {
    assert.deepEqual(parseCondition('a = 1 OR b = 1 AND c = 1'), {
      kind: 'or',
      args: [a, { kind: 'and', args: [b, c] }],
    });
    assert.deepEqual(parseCondition('a = 1 AND b = 1 OR c = 1'), {
      kind: 'or',
      args: [{ kind: 'and', args: [a, b] }, c],
    });
    assert.deepEqual(parseCondition('NOT a = 1 AND b = 1'), { kind: 'and', args: [{ kind: 'not', arg: a }, b] });
    assert.deepEqual(parseCondition('NOT a = 1 OR b = 1'), { kind: 'or', args: [{ kind: 'not', arg: a }, b] });
    assert.deepEqual(parseCondition('NOT NOT a = 1'), { kind: 'not', arg: { kind: 'not', arg: a } });
  });

  it('parentheses group; chains of one operator are one node; redundant parentheses leave no trace', () => {
    assert.deepEqual(parseCondition('(a = 1 OR b = 1) AND c = 1'), {
      kind: 'and',
      args: [{ kind: 'or', args: [a, b] }, c],
    });
    assert.deepEqual(parseCondition('NOT (a = 1 OR b = 1)'), { kind: 'not', arg: { kind: 'or', args: [a, b] } });
    assert.deepEqual(parseCondition('a = 1 AND b = 1 AND c = 1'), { kind: 'and', args: [a, b, c] });
    assert.deepEqual(parseCondition('a = 1 OR b = 1 OR c = 1'), { kind: 'or', args: [a, b, c] });
    assert.deepEqual(parseCondition('(a = 1 AND b = 1) AND c = 1'), {
      kind: 'and',
      args: [{ kind: 'and', args: [a, b] }, c],
    });
    assert.deepEqual(parseCondition('(((a = 1)))'), a);
  });

  it('evaluates as the boolean expression it spells, for every assignment', () => {
    const forms: [string, (x: boolean, y: boolean, z: boolean) => boolean][] = [
      ['a = 1 OR b = 1 AND c = 1', (x, y, z) => x || (y && z)],
      ['(a = 1 OR b = 1) AND c = 1', (x, y, z) => (x || y) && z],
      ['NOT a = 1 AND b = 1 OR c = 1', (x, y, z) => (!x && y) || z],
      ['NOT (a = 1 AND b = 1) OR NOT c = 1', (x, y, z) => !(x && y) || !z],
      ['a = 1 AND NOT (b = 1 OR c = 1)', (x, y, z) => x && !(y || z)],
      ['NOT NOT NOT a = 1 OR b = 1 AND NOT c = 1', (x, y, z) => !x || (y && !z)],
    ];
    for (const [text, f] of forms) {
      const p = compile(text);
      for (let bits = 0; bits < 8; bits++) {
        const [x, y, z] = [(bits & 1) !== 0, (bits & 2) !== 0, (bits & 4) !== 0];
        assert.equal(p(rec({ a: x ? 1 : 0, b: y ? 1 : 0, c: z ? 1 : 0 })), f(x, y, z), `${text} at ${bits}`);
      }
    }
  });
});

describe('condition language: comparisons', () => {
  const ops = ['=', '<>', '!=', '<', '<=', '>', '>='] as const;
  /** [left value, right value, result of each op in `ops` order] */
  const table: [ConditionValue, ConditionValue, boolean[]][] = [
    // numbers as numbers
    [2, 10, [false, true, true, true, true, false, false]],
    [10, 10, [true, false, false, false, true, false, true]],
    [-1.5, -2, [false, true, true, false, false, true, true]],
    // text as text (by code unit: '10' < '9', 'B' < 'a')
    ['10', '9', [false, true, true, true, true, false, false]],
    ['abc', 'abc', [true, false, false, false, true, false, true]],
    ['B', 'a', [false, true, true, true, true, false, false]],
    ['gold', 'GOLD', [false, true, true, false, false, true, true]],
    ['', 'a', [false, true, true, true, true, false, false]],
    // a number against numeric text compares as numbers
    [9, '10', [false, true, true, true, true, false, false]],
    ['9', 10, [false, true, true, true, true, false, false]],
    [5, '5.0', [true, false, false, false, true, false, true]],
    [1000, '1e3', [true, false, false, false, true, false, true]],
    // ... against other text it cannot be compared: only <> is true
    [5, 'gold', [false, true, true, false, false, false, false]],
    ['gold', 5, [false, true, true, false, false, false, false]],
    [5, ' 5', [false, true, true, false, false, false, false]],
    [0, '', [false, true, true, false, false, false, false]],
  ];
  const text = (v: ConditionValue) => (typeof v === 'number' ? String(v) : `'${v}'`);

  for (const [l, r, expected] of table) {
    it(`${text(l)} against ${text(r)}`, () => {
      ops.forEach((op, i) => {
        const want = expected[i];
        // property op literal, literal op property, property op property, literal op literal
        assert.equal(compile(`x ${op} ${text(r)}`)(rec({ x: l })), want, `x ${op} ${text(r)}, x = ${text(l)}`);
        assert.equal(compile(`${text(l)} ${op} y`)(rec({ y: r })), want, `${text(l)} ${op} y, y = ${text(r)}`);
        assert.equal(compile(`x ${op} y`)(rec({ x: l, y: r })), want, `x ${op} y`);
        assert.equal(compile(`${text(l)} ${op} ${text(r)}`)(rec({})), want, `${text(l)} ${op} ${text(r)}`);
      });
    });
  }

  it('compareValues is antisymmetric on the table', () => {
    for (const [l, r] of table) {
      const c1 = compareValues(l, r);
      const c2 = compareValues(r, l);
      if (Number.isNaN(c1)) assert.ok(Number.isNaN(c2));
      else assert.equal(Math.sign(c1) + Math.sign(c2), 0);
    }
  });

  it('IN uses the = of comparisons; NOT IN is its negation on present values', () => {
    const inList = compile("x IN (1, 'b', '7')");
    const notIn = compile("x NOT IN (1, 'b', '7')");
    const cases: [Value, boolean][] = [
      [1, true],
      ['1', true],
      ['1.0', true],
      ['b', true],
      ['B', false],
      [7, true],
      ['7', true],
      ['7.0', false],
      [2, false],
      ['c', false],
    ];
    for (const [v, want] of cases) {
      assert.equal(inList(rec({ x: v })), want, `IN ${String(v)}`);
      assert.equal(notIn(rec({ x: v })), !want, `NOT IN ${String(v)}`);
    }
  });

  it('a missing value (absent, null or NaN) fails every comparison and passes only IS NULL', () => {
    const conditions = [
      'x = 1',
      'x <> 1',
      "x <> 'a'",
      'x < 1',
      'x >= 1',
      'x = y',
      'y <> x',
      'x IN (1)',
      'x NOT IN (1)',
      "x LIKE '%'",
      "x NOT LIKE 'a'",
      'x IS NOT NULL',
    ];
    for (const missing of [undefined, null, NaN]) {
      const r = rec({ x: missing, y: 1 });
      for (const c of conditions) assert.equal(compile(c)(r), false, `${c} with x = ${String(missing)}`);
      for (const c of conditions) assert.equal(compile(`NOT ${c}`)(r), true, `NOT ${c} with x = ${String(missing)}`);
      assert.equal(compile('x IS NULL')(r), true);
    }
    assert.equal(compile('1 IS NULL')(rec({})), false);
    assert.equal(compile("'' IS NOT NULL")(rec({})), true);
  });

  it('LIKE: % any run, _ one character, case-sensitive, no escape; numbers as their text', () => {
    const cases: [string, Value, boolean][] = [
      ['abc', 'abc', true],
      ['abc', 'abcd', false],
      ['ab%', 'abc', true],
      ['ab%', 'ab', true],
      ['ab%', 'xab', false],
      ['%bc', 'abc', true],
      ['%bc', 'abcd', false],
      ['%b%', 'abc', true],
      ['%b%', 'ac', false],
      ['a_c', 'abc', true],
      ['a_c', 'ac', false],
      ['a_c', 'abbc', false],
      ['a%c', 'ac', true],
      ['a%c', 'abbbc', true],
      ['a%c', 'abbbcd', false],
      ['%', '', true],
      ['_', '', false],
      ['%a%b%', 'xxaxxbxx', true],
      ['%a%b%', 'xxbxxaxx', false],
      ['A%', 'abc', false],
      ['1%', 15, true],
      ['2.5', 2.5, true],
      ['a.c', 'abc', false],
      ['a\nc', 'a\nc', true],
      ['a_c', 'a\nc', true],
      ['[a]%', 'a', false],
      ['[a]%', '[a]b', true],
    ];
    for (const [pattern, value, want] of cases) {
      const c = `x LIKE '${pattern}'`;
      assert.equal(compile(c)(rec({ x: value })), want, `${JSON.stringify(value)} LIKE '${pattern}'`);
      assert.equal(compile(`x NOT LIKE '${pattern}'`)(rec({ x: value })), !want);
    }
  });

  it('LIKE stays fast on patterns that make regular expressions backtrack', () => {
    const p = compile(`x LIKE '${'%a'.repeat(30)}%b'`);
    const start = performance.now();
    assert.equal(p(rec({ x: 'a'.repeat(20_000) })), false);
    assert.ok(performance.now() - start < 2_000);
  });
});

describe('condition language: orders', () => {
  it('parses names, directions (case-insensitive, ASC by default) and quoted names', () => {
    assert.deepEqual(parseOrder('Priority DESC, SubmittedAt ASC'), [
      { property: user('Priority'), descending: true },
      { property: system('SubmittedAt'), descending: false },
    ]);
    assert.deepEqual(parseOrder('a,b desc , "c d" Asc,desc desc'), [
      { property: user('a'), descending: false },
      { property: user('b'), descending: true },
      { property: user('c d'), descending: false },
      { property: user('desc'), descending: true },
    ]);
    assert.deepEqual(parseOrder('_time_in_queue[] DESC'), [{ property: system('_time_in_queue'), descending: true }]);
    assert.equal(printOrder(parseOrder('a, "b c" DESC')), 'a ASC, "b c" DESC');
  });

  it('sorts key by key; a missing value below every present one; numbers below text; ties give 0', () => {
    const rows = [
      { id: 'A', p: 5, s: '2026-01-02' },
      { id: 'B', p: undefined, s: '2026-01-01' },
      { id: 'C', p: 5, s: '2026-01-01' },
      { id: 'D', p: 10, s: '2026-01-03' },
      { id: 'E', p: 'high', s: '2026-01-01' },
      { id: 'F', p: null, s: undefined },
      { id: 'G', p: NaN, s: '2026-01-01' },
    ];
    const sorted = (order: string) => {
      const cmp = compileOrderText(order);
      return rows
        .map((r) => ({ id: r.id, record: rec({ Priority: r.p }, { SubmittedAt: r.s }) }))
        .sort((x, y) => cmp(x.record, y.record) || (x.id < y.id ? -1 : 1))
        .map((x) => x.id)
        .join('');
    };
    assert.equal(sorted(DEFAULT_QUEUE_ORDER), 'EDCAFBG');
    assert.equal(sorted('Priority ASC, SubmittedAt ASC'), 'FBGCADE');
    assert.equal(sorted('SubmittedAt DESC'), 'DABCEGF');
    const cmp = compileOrder(parseOrder('Priority'));
    assert.equal(cmp(rec({ Priority: 1 }), rec({ Priority: 1 })), 0);
    assert.equal(cmp(rec({}), rec({ Priority: null })), 0);
  });

  it('is a total preorder on random records', () => {
    const valueArb = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom('', 'a', 'b', '1', '10', '2'),
    );
    const recArb = node({ a: valueArb, b: valueArb }).map((o) => rec(o));
    const orderArb = fc
      .array(fc.tuple(fc.constantFrom('a', 'b'), fc.boolean()), { minLength: 1, maxLength: 3 })
      .map((keys) => keys.map(([n, d]) => ({ property: user(n), descending: d })));
    fc.assert(
      fc.property(orderArb, recArb, recArb, recArb, (order, x, y, z) => {
        const cmp = compileOrder(order);
        assert.equal(Math.sign(cmp(x, y)), -Math.sign(cmp(y, x)) || 0);
        assert.equal(cmp(x, x), 0);
        if (cmp(x, y) <= 0 && cmp(y, z) <= 0) assert.ok(cmp(x, z) <= 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('condition language: errors', () => {
  const cases: [string, number, RegExp][] = [
    ['', 1, /expected a condition .* found end of input/],
    ['   ', 4, /expected a condition/],
    ['a', 2, /expected a comparison operator .* found end of input/],
    ['a =', 4, /expected a property name or a literal at position 4, found end of input/],
    ['a = 1 b = 2', 7, /expected AND, OR or end of input at position 7, found 'b'/],
    ['(a = 1', 7, /expected AND, OR or '\)' at position 7/],
    ['a = 1)', 6, /expected AND, OR or end of input .* found '\)'/],
    ['()', 2, /expected a condition/],
    ['a = NULL', 5, /NULL is only allowed in IS NULL/],
    ['a IS 5', 6, /expected NULL or NOT NULL/],
    ['a IS NOT 5', 10, /expected NULL at position 10/],
    ['a NOT = 1', 7, /expected IN or LIKE after NOT/],
    ['a IN 1', 6, /expected '\(' and a list of literals after IN/],
    ['a IN ()', 7, /expected a text or number literal at position 7, found '\)'/],
    ['a IN (1,)', 9, /expected a text or number literal/],
    ['a IN (b)', 7, /expected a text or number literal .* found 'b'/],
    ['a IN (1 2)', 9, /expected ',' or '\)'/],
    ['a IN (NULL)', 7, /NULL is only allowed/],
    ['a LIKE b', 8, /expected a text literal \(the LIKE pattern/],
    ['a LIKE 5', 8, /expected a text literal/],
    ["a = 'abc", 5, /unterminated text literal \(no closing '\) starting at position 5/],
    ['"abc = 1', 1, /unterminated quoted name/],
    ['"" = 1', 1, /empty quoted name/],
    ['a ! 1', 3, /unexpected '!'/],
    ['a # 1', 3, /unexpected character '#'/],
    ['a = 1 && b = 2', 7, /unexpected character '&'/],
    ['a = 1.2.3', 5, /malformed number '1.2.3'/],
    ['a = 5abc', 5, /malformed number '5abc'/],
    ['a = 1e999', 5, /number '1e999' is out of range/],
    ['a = - 1', 5, /unexpected character '-'/],
    ['and = 1', 1, /found 'and' \(a keyword; quote a name spelled so: "and"\)/],
    ['a = 1 AND', 10, /expected a condition .* found end of input/],
    ['a = 1 OR OR b = 1', 10, /found 'OR'/],
    ['NOT', 4, /expected a condition/],
    ['a = b[]', 6, /expected AND, OR or end of input .* found '\['/],
    ['_time_in_queue[ > 1', 17, /expected '\]'/],
    ['a BETWEEN 1 AND 2', 3, /expected a comparison operator .* found 'BETWEEN'/],
    ["a = 'x' -- comment", 9, /unexpected character '-'/],
    ['a = 1;', 6, /unexpected character ';'/],
    ['a = 1\u0000', 6, /unexpected character '\\u0000'/],
  ];
  for (const [text, position, message] of cases) {
    it(`${JSON.stringify(text)}: position ${position}`, () => {
      const e = parseError(() => parseCondition(text));
      assert.match(e.message, message);
      assert.equal(e.position, position, e.message);
      assert.ok(e.message.includes(`at position ${position}`), e.message);
      assert.ok(e.expected.length > 0 && e.found.length > 0);
      assert.equal(e.name, 'ConditionParseError');
    });
  }

  it('order errors', () => {
    const cases: [string, number, RegExp][] = [
      ['', 1, /expected a property name at position 1, found end of input/],
      ['a,', 3, /expected a property name/],
      ['a b', 3, /expected ASC, DESC, ',' or end of input/],
      ['a DESC DESC', 8, /expected ',' or end of input/],
      ['a DESC, 5', 9, /expected a property name .* found '5'/],
      ['NOT', 1, /a keyword; quote/],
    ];
    for (const [text, position, message] of cases) {
      const e = parseError(() => parseOrder(text));
      assert.match(e.message, message);
      assert.equal(e.position, position);
    }
  });

  it('long texts: the limit is a ConditionParseError, a flat chain up to it parses, compiles and evaluates', () => {
    const e = parseError(() => parseCondition(`a = '${'x'.repeat(MAX_CONDITION_LENGTH)}'`));
    assert.match(e.message, /longer than the 65536 allowed/);
    assert.equal(e.position, MAX_CONDITION_LENGTH + 1);
    const clause = 'a = 1 AND ';
    const text = `${clause.repeat(Math.floor((MAX_CONDITION_LENGTH - 5) / clause.length))}a = 1`;
    assert.ok(text.length <= MAX_CONDITION_LENGTH);
    const p = compile(text);
    assert.equal(p(rec({ a: 1 })), true);
    assert.equal(p(rec({ a: 2 })), false);
    assert.equal(compile(`a IN (${'1, '.repeat(20_000)}2)`)(rec({ a: 2 })), true);
  });

  it(`nesting: ${MAX_CONDITION_DEPTH} levels parse, one more is a ConditionParseError`, () => {
    const ok = `${'('.repeat(MAX_CONDITION_DEPTH)}a = 1${')'.repeat(MAX_CONDITION_DEPTH)}`;
    assert.equal(compile(ok)(rec({ a: 1 })), true);
    assert.equal(compile(`${'NOT '.repeat(MAX_CONDITION_DEPTH)}a = 1`)(rec({ a: 1 })), true);
    assert.equal(compile(`${'NOT ('.repeat(MAX_CONDITION_DEPTH / 2)}a = 1${')'.repeat(32)}`)(rec({ a: 1 })), true);
    const e = parseError(() => parseCondition(`(${ok})`));
    assert.match(e.message, /nesting deeper than 64 levels \(parentheses and NOT\) at position 65/);
    assert.equal(e.position, MAX_CONDITION_DEPTH + 1);
    assert.match(parseError(() => parseCondition(`${'NOT '.repeat(65)}a = 1`)).message, /nesting deeper/);
  });
});

describe('condition language: fuzzing', () => {
  /** Parses with every entry point; anything thrown must be a ConditionParseError, and it must be quick. */
  function parsesOrRefuses(text: string): void {
    for (const parse of [parseCondition, parseSkillExpression, parseOrder]) {
      const start = performance.now();
      try {
        parse(text);
      } catch (e) {
        if (!(e instanceof ConditionParseError)) throw e;
        assert.match(e.message, / at position \d+/);
        assert.ok(e.position >= 1 && e.position <= text.length + 1, `${e.position} for ${JSON.stringify(text)}`);
      }
      assert.ok(performance.now() - start < 1_000, `slow on ${JSON.stringify(text)}`);
    }
  }

  it('(a) arbitrary strings: only ConditionParseError, quickly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (s) => {
        parsesOrRefuses(s);
      }),
      { numRuns: 3000 },
    );
  });

  it('(a) strings made of the language pieces: only ConditionParseError, quickly', () => {
    const piece = fc.oneof(
      fc.constantFrom('AND', 'or', 'NOT', 'in', 'LIKE', 'is', 'NULL', 'ASC', 'desc', '_time_in_queue', 'Queue'),
      fc.constantFrom('(', ')', ',', '[', ']', '=', '<>', '!=', '<', '<=', '>', '>=', '!', '-', '.', '%', '_'),
      fc.constantFrom("'", '"', "''", "'a'", '"b c"', "'it''s'", '1', '-2.5', '1e3', '.5', '5.', 'x', 'Priority'),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.constantFrom(' ', '', '\n'), (pieces, sep) => {
        parsesOrRefuses(pieces.join(sep));
      }),
      { numRuns: 5000 },
    );
  });

  it('(b) 10,000 levels of parentheses and NOT: a ConditionParseError, not a RangeError', () => {
    const deep = [
      `${'('.repeat(10_000)}a = 1${')'.repeat(10_000)}`,
      `${'NOT '.repeat(10_000)}a = 1`,
      `${'NOT ('.repeat(10_000)}a = 1${')'.repeat(10_000)}`,
      '('.repeat(MAX_CONDITION_LENGTH),
      'not('.repeat(10_000),
    ];
    for (const text of deep) {
      assert.match(parseError(() => parseCondition(text)).message, /nesting deeper than 64 levels/);
      assert.match(parseError(() => parseSkillExpression(text)).message, /nesting deeper than 64 levels/);
    }
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('(', 'NOT ', 'not(', ' ( ', 'NOT(a = 1 OR '), { minLength: 65, maxLength: 10_000 }),
        (openers) => {
          assert.match(parseError(() => parseCondition(`${openers.join('')}a = 1`)).message, /nesting deeper/);
        },
      ),
      { numRuns: 200 },
    );
  });

  // Random trees over a small pool of names and values, so comparisons often meet equal, numeric-text and missing values.
  const USER_NAMES = ['a', 'b', 'Priority', 'x y', 'AND', 'Queue', '_time_in_queue', 'ünï', 'q"uote', 'desc', 'ın'];
  const SYSTEM_NAMES = ['Queue', 'TenantId', '_time_in_queue', 'IsOnline'];
  const propertyArb: fc.Arbitrary<PropertyRef> = fc.oneof(
    fc.constantFrom(...USER_NAMES).map(user),
    fc.constantFrom(...SYSTEM_NAMES).map(system),
  );
  const valueArb: fc.Arbitrary<ConditionValue> = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)),
    fc.constantFrom('', 'a', 'A', 'b', 'ab', "o'k", '1', '1.0', '-2', '10', '%', '_', 'a%', '%b', 'a_'),
    fc.string({ maxLength: 4 }),
  );
  const operandArb: fc.Arbitrary<Operand> = fc.oneof(
    { weight: 3, arbitrary: propertyArb },
    { weight: 1, arbitrary: valueArb.map(lit) },
  );
  const patternArb = fc
    .array(fc.constantFrom('%', '_', 'a', 'b', '1', "'", '.', '*', '\\'), { maxLength: 6 })
    .map((p) => p.join(''));
  const leafArb: fc.Arbitrary<Condition> = fc.oneof(
    node({
      kind: fc.constant('compare' as const),
      op: fc.constantFrom<CompareOp>('=', '<>', '<', '<=', '>', '>='),
      left: operandArb,
      right: operandArb,
    }),
    node({
      kind: fc.constant('in' as const),
      negated: fc.boolean(),
      operand: operandArb,
      values: fc.array(valueArb, { minLength: 1, maxLength: 4 }),
    }),
    node({ kind: fc.constant('like' as const), negated: fc.boolean(), operand: operandArb, pattern: patternArb }),
    node({ kind: fc.constant('isNull' as const), negated: fc.boolean(), operand: operandArb }),
  );
  const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
    c: fc.oneof(
      { maxDepth: 5, depthIdentifier: 'condition' },
      leafArb,
      node({ kind: fc.constant('not' as const), arg: tie('c') }),
      node({
        kind: fc.constantFrom<'and' | 'or'>('and', 'or'),
        args: fc.array(tie('c'), { minLength: 2, maxLength: 4, depthIdentifier: 'condition' }),
      }),
    ),
  })).c;
  const recordValueArb: fc.Arbitrary<Value> = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(null, NaN) },
    { weight: 6, arbitrary: valueArb },
  );
  const recordArb: fc.Arbitrary<ConditionRecord> = fc
    .tuple(
      fc.dictionary(fc.constantFrom(...USER_NAMES), recordValueArb),
      fc.dictionary(fc.constantFrom(...SYSTEM_NAMES), recordValueArb),
    )
    .map(([u, s]) => rec(u, s));

  it('(c) a random tree printed and parsed back is the same tree and evaluates the same', () => {
    fc.assert(
      fc.property(conditionArb, fc.array(recordArb, { minLength: 1, maxLength: 5 }), (tree, records) => {
        const text = printCondition(tree);
        const back = parseCondition(text);
        assert.deepEqual(back, tree, text);
        assert.equal(printCondition(back), text);
        const original = compileCondition(tree);
        const reparsed = compileCondition(back);
        for (const r of records) assert.equal(reparsed(r), original(r), text);
      }),
      { numRuns: 2000 },
    );
  });

  it('(c) skill expressions and orders round-trip too', () => {
    const toSkill = (c: Condition): Condition =>
      JSON.parse(JSON.stringify(c), (k, v: unknown) => (k === 'scope' ? 'skill' : v)) as Condition;
    fc.assert(
      fc.property(conditionArb, (tree) => {
        const skillTree = toSkill(tree);
        assert.deepEqual(parseSkillExpression(printCondition(skillTree)), skillTree);
      }),
      { numRuns: 500 },
    );
    const orderArb: fc.Arbitrary<Order> = fc.array(node({ property: propertyArb, descending: fc.boolean() }), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(orderArb, (order) => {
        assert.deepEqual(parseOrder(printOrder(order)), order);
      }),
      { numRuns: 500 },
    );
  });

  /** The naive reference: walks the tree for every record, spelled out from lifecycle.md §2 independently. */
  function reference(c: Condition, r: ConditionRecord): boolean {
    const value = (o: Operand): ConditionValue | undefined => {
      if (o.kind === 'literal') return o.value;
      const v = r.get(o.name, o.scope);
      return v === null || v === undefined || Number.isNaN(v) ? undefined : v;
    };
    const asNumber = (s: string): number | undefined => {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
      return Number.isFinite(Number(s)) ? Number(s) : undefined;
    };
    // Both as numbers when one is a number, both as text when both are; undefined when they cannot be compared.
    const pair = (x: ConditionValue, y: ConditionValue): [number, number] | [string, string] | undefined => {
      if (typeof x === 'string' && typeof y === 'string') return [x, y];
      const nx = typeof x === 'number' ? x : asNumber(x);
      const ny = typeof y === 'number' ? y : asNumber(y);
      return nx === undefined || ny === undefined ? undefined : [nx, ny];
    };
    const equal = (x: ConditionValue, y: ConditionValue) => {
      const p = pair(x, y);
      return p !== undefined && p[0] === p[1];
    };
    const less = (x: ConditionValue, y: ConditionValue) => {
      const p = pair(x, y);
      return p !== undefined && p[0] < p[1];
    };
    switch (c.kind) {
      case 'and':
        return c.args.every((a) => reference(a, r));
      case 'or':
        return c.args.some((a) => reference(a, r));
      case 'not':
        return !reference(c.arg, r);
      case 'isNull':
        return (value(c.operand) === undefined) !== c.negated;
      case 'in': {
        const v = value(c.operand);
        return v !== undefined && c.values.some((x) => equal(v, x)) !== c.negated;
      }
      case 'like': {
        const v = value(c.operand);
        if (v === undefined) return false;
        const body = Array.from(c.pattern)
          .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('');
        return new RegExp(`^${body}$`, 's').test(String(v)) !== c.negated;
      }
      case 'compare': {
        const x = value(c.left);
        const y = value(c.right);
        if (x === undefined || y === undefined) return false;
        switch (c.op) {
          case '=':
            return equal(x, y);
          case '<>':
            return !equal(x, y);
          case '<':
            return less(x, y);
          case '<=':
            return less(x, y) || equal(x, y);
          case '>':
            return less(y, x);
          case '>=':
            return less(y, x) || equal(x, y);
        }
      }
    }
  }

  it('(d) the compiled closures agree with a naive evaluator of the tree', () => {
    fc.assert(
      fc.property(conditionArb, fc.array(recordArb, { minLength: 1, maxLength: 8 }), (tree, records) => {
        const compiled = compileCondition(tree);
        for (const r of records) assert.equal(compiled(r), reference(tree, r), printCondition(tree));
      }),
      { numRuns: 3000 },
    );
  });
});
