/**
 * The condition language of lifecycle.md §2, the one way conditions, skill expressions and orders are read: text to a
 * typed tree (`parse*`, which throw only ConditionParseError), tree to closures (`compile*`), tree back to text
 * (`print*`), and the properties a tree reads (`referencedProperties`).
 */
import { parseCondition, parseOrder, parseSkillExpression } from './parser.ts';
import { compileCondition, compileOrder, type ConditionPredicate, type RecordComparator } from './compile.ts';

export type {
  CompareNode,
  CompareOp,
  Condition,
  ConditionValue,
  InNode,
  IsNullNode,
  LikeNode,
  Literal,
  LogicalNode,
  NotNode,
  Operand,
  Order,
  OrderKey,
  PropertyRef,
  PropertyScope,
} from './ast.ts';
export {
  DEFAULT_QUEUE_ORDER,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  referencedProperties,
  SYSTEM_CONDITION_PROPERTIES,
  TIME_IN_QUEUE,
} from './ast.ts';
export { ConditionParseError } from './errors.ts';
export { parseCondition, parseOrder, parseSkillExpression, RESERVED_WORDS } from './parser.ts';
export {
  compileCondition,
  compileOperand,
  compileOrder,
  type ConditionPredicate,
  type ConditionRecord,
  type OperandReader,
  type RecordComparator,
} from './compile.ts';
export { timeOffsets } from './time.ts';
export { queuesNamed } from './queues.ts';
export { printCondition, printLiteral, printName, printOrder } from './print.ts';
export { compareForOrder, compareValues } from './values.ts';

/**
 * Parses and compiles a condition in one step.
 *
 * @throws ConditionParseError when the text does not parse
 */
export function compile(text: string): ConditionPredicate {
  return compileCondition(parseCondition(text));
}

/**
 * Parses and compiles a skill expression (every name an agent's skill; the record answers `get(skill, 'skill')`
 * with the agent's level).
 *
 * @throws ConditionParseError when the text does not parse
 */
export function compileSkillExpression(text: string): ConditionPredicate {
  return compileCondition(parseSkillExpression(text));
}

/**
 * Parses and compiles an order in one step.
 *
 * @throws ConditionParseError when the text does not parse
 */
export function compileOrderText(text: string): RecordComparator {
  return compileOrder(parseOrder(text));
}
