/**
 * The tree of the condition language (lifecycle.md §2): conditions of views, snapshots, find requests and workbin
 * content, skill expressions of the built-in router, and orders. Parsed from text by `parser.ts`, turned into closures
 * by `compile.ts`, printed back to text by `print.ts`; never pasted into SQL.
 */

/** A value a condition compares: text or a number (booleans such as IsOnline are the numbers 0 and 1). */
export type ConditionValue = string | number;

/**
 * Where a name is looked up: a system property (one of {@link SYSTEM_CONDITION_PROPERTIES}, or the computed
 * `_time_in_queue`), a user-data key (any other name, or any `"quoted name"`), or an agent's skill (every name of a
 * skill expression).
 */
export type PropertyScope = 'system' | 'user' | 'skill';

/** A property read from the record. `name` is exactly as the record knows it (case-sensitive). */
export interface PropertyRef {
  readonly kind: 'property';
  readonly scope: PropertyScope;
  readonly name: string;
}

/** A text or number literal. */
export interface Literal {
  readonly kind: 'literal';
  readonly value: ConditionValue;
}

/** One side of a comparison. */
export type Operand = PropertyRef | Literal;

/** Comparison operators; `!=` is parsed as `<>`. */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** `left op right`. */
export interface CompareNode {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly left: Operand;
  readonly right: Operand;
}

/** `operand [NOT] IN (literal, ...)`, at least one literal. */
export interface InNode {
  readonly kind: 'in';
  readonly negated: boolean;
  readonly operand: Operand;
  readonly values: readonly ConditionValue[];
}

/** `operand [NOT] LIKE 'pattern'`: `%` is any run of characters, `_` exactly one character. */
export interface LikeNode {
  readonly kind: 'like';
  readonly negated: boolean;
  readonly operand: Operand;
  readonly pattern: string;
}

/** `operand IS [NOT] NULL`. */
export interface IsNullNode {
  readonly kind: 'isNull';
  readonly negated: boolean;
  readonly operand: Operand;
}

/** `NOT arg`. */
export interface NotNode {
  readonly kind: 'not';
  readonly arg: Condition;
}

/** `a AND b AND ...` or `a OR b OR ...` (a chain of the same operator is one node, at least two arguments). */
export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly args: readonly Condition[];
}

/** A parsed condition. Parentheses leave no node: the tree's shape is the grouping. */
export type Condition = CompareNode | InNode | LikeNode | IsNullNode | NotNode | LogicalNode;

/** One key of an order: a property and its direction. */
export interface OrderKey {
  readonly property: PropertyRef;
  readonly descending: boolean;
}

/** A parsed order: its keys, most significant first (at least one). */
export type Order = readonly OrderKey[];

/** The system properties a condition or order may name (lifecycle.md §2), spelled exactly so. */
export const SYSTEM_CONDITION_PROPERTIES: readonly string[] = [
  'InteractionId',
  'MediaType',
  'InteractionType',
  'InteractionSubtype',
  'Queue',
  'TenantId',
  'SubmittedAt',
  'ReceivedAt',
  'PlacedInQueueAt',
  'DeliveredAt',
  'SubmittedBy',
  'IsOnline',
  'IsLocked',
  'IsHeld',
  'ExternalId',
  'ParentId',
];

/**
 * The computed system property: seconds since PlacedInQueueAt. The record computes it (it knows the clock); a name
 * in the system scope like the others. Genesys spells it `_time_in_queue[]`, which the parser also accepts.
 */
export const TIME_IN_QUEUE = '_time_in_queue';

/** The default order of a queue (lifecycle.md §2). */
export const DEFAULT_QUEUE_ORDER = 'Priority DESC, SubmittedAt ASC';

/** Longest condition or order text accepted, in UTF-16 code units. */
export const MAX_CONDITION_LENGTH = 65_536;

/**
 * Deepest nesting accepted: each `(` and each `NOT` is one level. Conditions written by people nest a handful of
 * levels; the parser, the compiler, the printer and the compiled closures all recurse along the tree, so this bound
 * makes a hostile `((((...` or `NOT NOT NOT ...` fail as a ConditionParseError instead of overflowing the stack.
 */
export const MAX_CONDITION_DEPTH = 64;

const SYSTEM_NAMES: ReadonlySet<string> = new Set([...SYSTEM_CONDITION_PROPERTIES, TIME_IN_QUEUE]);

/** True when an unquoted `name` in a condition or order means a system property (exact spelling). */
export function isSystemName(name: string): boolean {
  return SYSTEM_NAMES.has(name);
}

/**
 * The properties a condition or an order reads, each once, in order of first appearance: for indexing (which keys
 * matter) and for knowing whether a result changes with time alone (it names `_time_in_queue`).
 */
export function referencedProperties(tree: Condition | Order): PropertyRef[] {
  const seen = new Map<string, PropertyRef>();
  const add = (p: PropertyRef): void => {
    const key = `${p.scope}:${p.name}`;
    if (!seen.has(key)) seen.set(key, p);
  };
  const operand = (o: Operand): void => {
    if (o.kind === 'property') add(o);
  };
  if (isOrder(tree)) for (const k of tree) add(k.property);
  else
    for (const c of tests(tree)) {
      if (c.kind === 'compare') {
        operand(c.left);
        operand(c.right);
      } else operand(c.operand);
    }
  return [...seen.values()];
}

/** The tests of a condition (its comparisons, IN, LIKE and IS NULL), left to right, under any AND / OR / NOT. */
export function* tests(c: Condition): Generator<CompareNode | InNode | LikeNode | IsNullNode> {
  switch (c.kind) {
    case 'and':
    case 'or':
      for (const a of c.args) yield* tests(a);
      return;
    case 'not':
      yield* tests(c.arg);
      return;
    default:
      yield c;
  }
}

function isOrder(tree: Condition | Order): tree is Order {
  return Array.isArray(tree);
}
