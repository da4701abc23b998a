/**
 * From tree back to text: `parseCondition(printCondition(c))` is a tree that evaluates like `c` (a chain of AND inside
 * AND, or OR inside OR, keeps its parentheses, so it even comes back the same tree). For logs, docs and tests.
 */
import {
  type Condition,
  type ConditionValue,
  isSystemName,
  type Operand,
  type Order,
  type PropertyRef,
} from './ast.ts';
import { isBareName, keyword } from './lexer.ts';
import { RESERVED_WORDS } from './parser.ts';

/** A literal as the language writes it: `'text'` (a quote doubled) or a number. */
export function printLiteral(v: ConditionValue): string {
  return typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`;
}

/** A property's name, quoted when it would otherwise read differently. */
export function printName(p: PropertyRef): string {
  const bare =
    isBareName(p.name) &&
    !RESERVED_WORDS.has(keyword(p.name)) &&
    // A system name written bare is read as a system property; a user-data key of that spelling needs quotes.
    (p.scope !== 'user' || !isSystemName(p.name));
  return bare ? p.name : `"${p.name.replaceAll('"', '""')}"`;
}

function printOperand(o: Operand): string {
  return o.kind === 'literal' ? printLiteral(o.value) : printName(o);
}

/** A condition as text, with the parentheses its shape needs. */
export function printCondition(c: Condition): string {
  switch (c.kind) {
    case 'or':
      return c.args.map((a) => (a.kind === 'or' ? `(${printCondition(a)})` : printCondition(a))).join(' OR ');
    case 'and':
      return c.args
        .map((a) => (a.kind === 'or' || a.kind === 'and' ? `(${printCondition(a)})` : printCondition(a)))
        .join(' AND ');
    case 'not':
      return c.arg.kind === 'or' || c.arg.kind === 'and'
        ? `NOT (${printCondition(c.arg)})`
        : `NOT ${printCondition(c.arg)}`;
    case 'compare':
      return `${printOperand(c.left)} ${c.op} ${printOperand(c.right)}`;
    case 'in':
      return `${printOperand(c.operand)} ${c.negated ? 'NOT IN' : 'IN'} (${c.values.map(printLiteral).join(', ')})`;
    case 'like':
      return `${printOperand(c.operand)} ${c.negated ? 'NOT LIKE' : 'LIKE'} ${printLiteral(c.pattern)}`;
    case 'isNull':
      return `${printOperand(c.operand)} IS ${c.negated ? 'NOT NULL' : 'NULL'}`;
  }
}

/** An order as text. */
export function printOrder(order: Order): string {
  return order.map((k) => `${printName(k.property)} ${k.descending ? 'DESC' : 'ASC'}`).join(', ');
}
