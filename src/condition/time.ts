/**
 * Conditions that change with time alone. `_time_in_queue` grows while an interaction waits, so a condition that
 * names it can turn true (or false) with no change to the interaction. An index that holds "the waiting interactions
 * matching a condition" must look again at the moments where that can happen: for a comparison of `_time_in_queue`
 * with a number `c`, at `c` seconds after PlacedInQueueAt (where `>=`, `<`, `=`, `<>` flip) and one millisecond later
 * (where `>`, `<=` and `=` flip), give or take a millisecond of rounding. Between two such moments the value of the whole condition cannot change, whatever the
 * AND / OR / NOT around the comparisons. So the index needs only these offsets, found once per condition.
 */
import { tests, TIME_IN_QUEUE, type Condition, type ConditionValue, type Operand } from './ast.ts';
import { ConditionParseError } from './errors.ts';
import { numericText } from './values.ts';

/**
 * The offsets (milliseconds after PlacedInQueueAt) at which a condition's value may change with time alone, ascending
 * and without repeats; empty when it never does. Throws ConditionParseError when `_time_in_queue` is used in a way
 * whose moments of change cannot be listed (compared with another property, or under LIKE): such a condition would
 * have to be re-evaluated continuously.
 */
export function timeOffsets(condition: Condition): number[] {
  const seconds = new Set<number>();
  const isTime = (o: Operand): boolean => o.kind === 'property' && o.scope === 'system' && o.name === TIME_IN_QUEUE;
  const numberOf = (v: ConditionValue): number | undefined => (typeof v === 'number' ? v : numericText(v));
  const refuse = (what: string): never => {
    throw new ConditionParseError(`${TIME_IN_QUEUE} ${what}`, 1, `${TIME_IN_QUEUE} compared with a number`, what);
  };
  for (const c of tests(condition)) {
    switch (c.kind) {
      case 'compare': {
        const [time, other] = isTime(c.left) ? [c.left, c.right] : isTime(c.right) ? [c.right, c.left] : [];
        if (!time || !other) break;
        const n = other.kind === 'literal' ? numberOf(other.value) : undefined;
        if (n === undefined) refuse('may only be compared with a number');
        else seconds.add(n);
        break;
      }
      case 'in':
        if (!isTime(c.operand)) break;
        for (const v of c.values) {
          const n = numberOf(v);
          if (n !== undefined) seconds.add(n);
        }
        break;
      case 'like':
        if (isTime(c.operand)) refuse('cannot be matched with LIKE');
        break;
      case 'isNull':
        // Missing exactly when PlacedInQueueAt is: time alone does not change it.
        break;
    }
  }
  const offsets = new Set<number>();
  for (const s of seconds) {
    if (!Number.isFinite(s)) continue;
    // s x 1000 in floating point may land a hair off the millisecond it means (0.1 x 1000): take the neighbours too.
    const ms = Math.floor(s * 1000);
    for (const o of [ms, ms + 1, ms + 2]) if (o >= 0) offsets.add(o);
  }
  return [...offsets].sort((a, b) => a - b);
}
