/**
 * From tree to closures: a condition becomes `(record) => boolean`, an operand `(record) => value`, an order a
 * comparator. The record is read only through {@link ConditionRecord}, so the core can back it with whatever storage
 * it keeps. Two-valued logic (lifecycle.md §2): a comparison that reads a missing value is false, only `IS NULL` is
 * true of it, and `NOT` simply inverts.
 */
import type { CompareOp, Condition, ConditionValue, Operand, Order, PropertyScope } from './ast.ts';
import { compareForOrder, compareTo, compareValues, likeMatcher, numericText, present } from './values.ts';

/**
 * What a compiled condition reads: one property's value by name and scope, or null/undefined when the record has
 * none. A system property's name is one of SYSTEM_CONDITION_PROPERTIES or `_time_in_queue` (seconds since
 * PlacedInQueueAt, which the record computes from its clock); a user-data key is case-sensitive; a skill is a skill
 * name with the agent's level. Give flags (IsOnline, IsLocked, IsHeld) as 0/1 and TenantId as a number; timestamps
 * as ISO-8601 UTC text of one fixed format compare (and sort) chronologically as text. NaN counts as missing.
 */
export interface ConditionRecord {
  get(name: string, scope: PropertyScope): ConditionValue | null | undefined;
}

/** A compiled condition. */
export type ConditionPredicate = (record: ConditionRecord) => boolean;

/** A compiled operand: its value on a record, undefined when missing. */
export type OperandReader = (record: ConditionRecord) => ConditionValue | undefined;

/** A compiled order: negative when `a` comes first, positive when `b` does, 0 when the keys tie. */
export type RecordComparator = (a: ConditionRecord, b: ConditionRecord) => number;

/** Compiles an operand to a reader of its value (missing: undefined). */
export function compileOperand(operand: Operand): OperandReader {
  if (operand.kind === 'literal') {
    const value = operand.value;
    return () => value;
  }
  const { name, scope } = operand;
  return (r) => {
    const v = r.get(name, scope);
    return present(v) ? v : undefined;
  };
}

/** The test a comparison result passes for each operator (NaN, "cannot compare", passes only `<>`). */
const TESTS: Record<CompareOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** The operator with its operands swapped (`5 < x` is `x > 5`). */
const MIRROR: Record<CompareOp, CompareOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * Compiles a condition to a predicate on records. Each node becomes one closure: the tree is walked once, here,
 * never per record.
 */
export function compileCondition(condition: Condition): ConditionPredicate {
  switch (condition.kind) {
    case 'and': {
      const fs = condition.args.map(compileCondition);
      if (fs.length === 2) {
        const [a, b] = fs as [ConditionPredicate, ConditionPredicate];
        return (r) => a(r) && b(r);
      }
      return (r) => {
        for (const f of fs) if (!f(r)) return false;
        return true;
      };
    }
    case 'or': {
      const fs = condition.args.map(compileCondition);
      if (fs.length === 2) {
        const [a, b] = fs as [ConditionPredicate, ConditionPredicate];
        return (r) => a(r) || b(r);
      }
      return (r) => {
        for (const f of fs) if (f(r)) return true;
        return false;
      };
    }
    case 'not': {
      const f = compileCondition(condition.arg);
      return (r) => !f(r);
    }
    case 'compare':
      return compileCompare(condition.op, condition.left, condition.right);
    case 'in': {
      const read = compileOperand(condition.operand);
      const member = memberOf(condition.values);
      const negated = condition.negated;
      return (r) => {
        const v = read(r);
        return v !== undefined && member(v) !== negated;
      };
    }
    case 'like': {
      const read = compileOperand(condition.operand);
      const match = likeMatcher(condition.pattern);
      const negated = condition.negated;
      return (r) => {
        const v = read(r);
        return v !== undefined && match(typeof v === 'string' ? v : String(v)) !== negated;
      };
    }
    case 'isNull': {
      const read = compileOperand(condition.operand);
      const negated = condition.negated;
      return (r) => (read(r) === undefined) !== negated;
    }
  }
}

function compileCompare(op: CompareOp, left: Operand, right: Operand): ConditionPredicate {
  // A literal side is folded in once: its numeric reading is worked out here, not per record.
  if (right.kind === 'literal' && left.kind === 'property') return compareWithLiteral(op, left, right.value);
  if (left.kind === 'literal' && right.kind === 'property') return compareWithLiteral(MIRROR[op], right, left.value);
  const test = TESTS[op];
  if (left.kind === 'literal' && right.kind === 'literal') {
    const result = test(compareValues(left.value, right.value));
    return () => result;
  }
  const a = compileOperand(left);
  const b = compileOperand(right);
  return (r) => {
    const x = a(r);
    if (x === undefined) return false;
    const y = b(r);
    return y !== undefined && test(compareValues(x, y));
  };
}

function compareWithLiteral(op: CompareOp, property: Operand, literal: ConditionValue): ConditionPredicate {
  const read = compileOperand(property);
  const cmp = compareTo(literal);
  const test = TESTS[op];
  return (r) => {
    const v = read(r);
    return v !== undefined && test(cmp(v));
  };
}

/** Membership in an IN list with the `=` of {@link compareValues}, by two set lookups. */
function memberOf(values: readonly ConditionValue[]): (v: ConditionValue) => boolean {
  const texts = new Set<string>();
  const numbers = new Set<number>();
  const numbersAndNumericTexts = new Set<number>();
  for (const x of values) {
    if (typeof x === 'number') {
      numbers.add(x);
      numbersAndNumericTexts.add(x);
    } else {
      texts.add(x);
      const n = numericText(x);
      if (n !== undefined) numbersAndNumericTexts.add(n);
    }
  }
  return (v) => {
    if (typeof v === 'number') return numbersAndNumericTexts.has(v);
    if (texts.has(v)) return true;
    if (numbers.size === 0) return false;
    const n = numericText(v);
    return n !== undefined && numbers.has(n);
  };
}

/**
 * Compiles an order to a comparator: key by key, a missing value below every present one (so first in ASC, last in
 * DESC), numbers below texts. Ties return 0: add the final tie-break (e.g. InteractionId) where the order is used.
 */
export function compileOrder(order: Order): RecordComparator {
  const keys = order.map((k) => ({ read: compileOperand(k.property), sign: k.descending ? -1 : 1 }));
  return (a, b) => {
    for (const k of keys) {
      const c = compareForOrder(k.read(a), k.read(b));
      if (c !== 0) return c * k.sign;
    }
    return 0;
  };
}
