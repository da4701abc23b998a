/**
 * The queues a condition restricts itself to: what lets a search read only those queues' interactions instead of
 * every interaction (RequestFindInteractions). A comparison `Queue = 'X'` (either side) or `Queue IN ('X', ...)`
 * restricts; AND restricts to what all its restricting arguments allow; OR restricts only when every argument does;
 * anything else (NOT, other properties, `<>`, LIKE, IS NULL) does not.
 */
import type { Condition, Operand } from './ast.ts';

const isQueue = (o: Operand): boolean => o.kind === 'property' && o.scope === 'system' && o.name === 'Queue';

/** The queue names a condition restricts to, or undefined when it does not restrict them. */
export function queuesNamed(c: Condition): ReadonlySet<string> | undefined {
  switch (c.kind) {
    case 'compare': {
      if (c.op !== '=') return undefined;
      if (isQueue(c.left) && c.right.kind === 'literal') return new Set([String(c.right.value)]);
      if (isQueue(c.right) && c.left.kind === 'literal') return new Set([String(c.left.value)]);
      return undefined;
    }
    case 'in':
      return !c.negated && isQueue(c.operand) ? new Set(c.values.map(String)) : undefined;
    case 'and': {
      let out: Set<string> | undefined;
      for (const a of c.args) {
        const q = queuesNamed(a);
        if (q === undefined) continue;
        out = out === undefined ? new Set(q) : new Set([...out].filter((x) => q.has(x)));
      }
      return out;
    }
    case 'or': {
      const out = new Set<string>();
      for (const a of c.args) {
        const q = queuesNamed(a);
        if (q === undefined) return undefined;
        for (const x of q) out.add(x);
      }
      return out;
    }
    default:
      return undefined;
  }
}
