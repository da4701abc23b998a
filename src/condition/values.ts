/** How the condition language compares values (lifecycle.md §2): numbers as numbers, text as text. */
import type { ConditionValue } from './ast.ts';

/** Text that reads as a number (the literal syntax of the language, plus an optional leading `+`). */
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a text spells, or undefined when it is not numeric text (or does not fit a double). */
export function numericText(s: string): number | undefined {
  if (!NUMERIC_TEXT.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** A record's value as the language sees it: null, undefined and NaN are all "missing". */
export function present(v: ConditionValue | null | undefined): v is ConditionValue {
  return v !== undefined && v !== null && v === v;
}

function sign(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function textSign(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two present values: negative, zero or positive, or NaN when they cannot be compared.
 * Two numbers compare as numbers; two texts as text (by UTF-16 code units: case-sensitive, no collation); a number
 * and a text compare as numbers when the text is numeric (`'5'` = 5), and cannot be compared otherwise.
 * With NaN every ordering and `=` is false and `<>` is true.
 */
export function compareValues(a: ConditionValue, b: ConditionValue): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return sign(a, b);
    const nb = numericText(b);
    return nb === undefined ? NaN : sign(a, nb);
  }
  if (typeof b === 'string') return textSign(a, b);
  const na = numericText(a);
  return na === undefined ? NaN : sign(na, b);
}

/**
 * The same comparison against a fixed literal, with the literal's numeric reading worked out once:
 * `compareTo(lit)(v)` equals `compareValues(v, lit)`.
 */
export function compareTo(lit: ConditionValue): (v: ConditionValue) => number {
  if (typeof lit === 'number') {
    return (v) => {
      if (typeof v === 'number') return sign(v, lit);
      const n = numericText(v);
      return n === undefined ? NaN : sign(n, lit);
    };
  }
  const litNumber = numericText(lit);
  return (v) => {
    if (typeof v === 'string') return textSign(v, lit);
    return litNumber === undefined ? NaN : sign(v, litNumber);
  };
}

/**
 * The total order of sort keys: a missing value below every present one, numbers (numerically) below texts, texts
 * by UTF-16 code units. (Unlike a condition, a sort cannot read `'5'` as 5: mixing both readings is not transitive.)
 */
export function compareForOrder(a: ConditionValue | undefined, b: ConditionValue | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  if (typeof a === 'number') return typeof b === 'number' ? sign(a, b) : -1;
  return typeof b === 'number' ? 1 : textSign(a, b);
}

/**
 * A LIKE pattern as a test on text: `%` matches any run of characters (none included), `_` exactly one character
 * (one UTF-16 code unit, as SQL Server's LIKE on nvarchar); everything else matches itself, case-sensitively. There is no escape character. Linear for the
 * usual shapes (`abc`, `abc%`, `%abc`, `%abc%`), at worst pattern length × text length: no backtracking blow-up.
 */
export function likeMatcher(pattern: string): (s: string) => boolean {
  if (!/[%_]/.test(pattern)) return (s) => s === pattern;
  const inner = pattern.slice(1, -1);
  if (!/[%_]/.test(inner)) {
    const first = pattern[0];
    const last = pattern.at(-1);
    if (pattern.length >= 2 && first === '%' && last === '%') return (s) => s.includes(inner);
    const head = pattern.slice(0, -1);
    if (last === '%' && !/[%_]/.test(head)) return (s) => s.startsWith(head);
    const tail = pattern.slice(1);
    if (first === '%' && !/[%_]/.test(tail)) return (s) => s.endsWith(tail);
  }
  return (s) => globMatch(pattern, s);
}

/** Wildcard matching with one remembered `%` (the classic greedy algorithm with backtracking to the last star). */
function globMatch(pat: string, str: string): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < str.length) {
    const c = pat[p];
    if (c === '%') {
      star = p++;
      mark = s;
    } else if (c !== undefined && (c === '_' || c === str[s])) {
      p++;
      s++;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (pat[p] === '%') p++;
  return p === pat.length;
}
