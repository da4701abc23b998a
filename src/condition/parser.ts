/**
 * The parser of lifecycle.md §2, by recursive descent (lowest precedence first):
 *
 * ```text
 * condition := or END
 * or        := and (OR and)*
 * and       := not (AND not)*
 * not       := NOT not | primary
 * primary   := '(' or ')' | predicate
 * predicate := operand op operand
 *            | operand [NOT] IN '(' literal (',' literal)* ')'
 *            | operand [NOT] LIKE text
 *            | operand IS [NOT] NULL
 * op        := '=' | '<>' | '!=' | '<' | '<=' | '>' | '>='
 * operand   := name | '_time_in_queue' ['[' ']'] | '"quoted name"' | literal
 * literal   := text | number
 * order     := key (',' key)* END
 * key       := (name | '"quoted name"') [ASC | DESC]
 * ```
 *
 * Keywords (AND OR NOT IN LIKE IS NULL, and ASC DESC after an order key) are case-insensitive; a name that is one of
 * them needs quotes. Everything the parser refuses is a {@link ConditionParseError}.
 */
import {
  type CompareOp,
  type Condition,
  type ConditionValue,
  isSystemName,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  type Operand,
  type Order,
  type OrderKey,
  type PropertyRef,
  TIME_IN_QUEUE,
} from './ast.ts';
import { ConditionParseError } from './errors.ts';
import { keyword, Lexer, quote, type Token } from './lexer.ts';

/** The words a bare name in a condition cannot be (quote the name to use one). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'IS', 'NULL']);

const COMPARISON = 'a comparison operator (= <> != < <= > >=), IN, NOT IN, LIKE, NOT LIKE or IS';

type Mode = 'condition' | 'skill';

class Parser {
  private readonly lex: Lexer;
  private depth = 0;

  constructor(
    readonly text: string,
    private readonly mode: Mode,
  ) {
    if (typeof text !== 'string')
      throw new ConditionParseError('the text is not a string at position 1', 1, 'text', typeof text);
    if (text.length > MAX_CONDITION_LENGTH) {
      throw new ConditionParseError(
        `the text is ${text.length} characters long, longer than the ${MAX_CONDITION_LENGTH} allowed, at position ${MAX_CONDITION_LENGTH + 1}`,
        MAX_CONDITION_LENGTH + 1,
        `at most ${MAX_CONDITION_LENGTH} characters`,
        `${text.length} characters`,
      );
    }
    this.lex = new Lexer(text);
  }

  condition(): Condition {
    const c = this.or();
    this.expectEnd('AND, OR or end of input');
    return c;
  }

  order(): Order {
    const keys: OrderKey[] = [];
    for (;;) {
      const property = this.orderName();
      const t = this.lex.peek();
      const direction = t.type === 'name' ? keyword(t.value) : '';
      const hasDirection = direction === 'ASC' || direction === 'DESC';
      if (hasDirection) this.lex.next();
      keys.push({ property, descending: direction === 'DESC' });
      if (this.lex.peek().type === ',') {
        this.lex.next();
        continue;
      }
      this.expectEnd(hasDirection ? "',' or end of input" : "ASC, DESC, ',' or end of input");
      return keys;
    }
  }

  private or(): Condition {
    const first = this.and();
    if (!this.atKeyword('OR')) return first;
    const args = [first];
    while (this.atKeyword('OR')) {
      this.lex.next();
      args.push(this.and());
    }
    return { kind: 'or', args };
  }

  private and(): Condition {
    const first = this.not();
    if (!this.atKeyword('AND')) return first;
    const args = [first];
    while (this.atKeyword('AND')) {
      this.lex.next();
      args.push(this.not());
    }
    return { kind: 'and', args };
  }

  private not(): Condition {
    if (!this.atKeyword('NOT')) return this.primary();
    this.enter(this.lex.next());
    const arg = this.not();
    this.depth -= 1;
    return { kind: 'not', arg };
  }

  private primary(): Condition {
    const t = this.lex.peek();
    if (t.type !== '(') return this.predicate();
    this.enter(this.lex.next());
    const c = this.or();
    this.expect(')', "AND, OR or ')'");
    this.depth -= 1;
    return c;
  }

  private predicate(): Condition {
    const operand = this.operand(true);
    const t = this.lex.next();
    if (t.type === 'op') {
      const op: CompareOp = t.value === '!=' ? '<>' : t.value;
      return { kind: 'compare', op, left: operand, right: this.operand(false) };
    }
    if (t.type !== 'name') return this.unexpected(t, COMPARISON);
    let word = keyword(t.value);
    if (word === 'IS') {
      const negated = this.atKeyword('NOT');
      if (negated) this.lex.next();
      const n = this.lex.next();
      if (n.type !== 'name' || keyword(n.value) !== 'NULL') this.unexpected(n, negated ? 'NULL' : 'NULL or NOT NULL');
      return { kind: 'isNull', negated, operand };
    }
    const negated = word === 'NOT';
    if (negated) {
      const u = this.lex.next();
      word = u.type === 'name' ? keyword(u.value) : '';
      if (word !== 'IN' && word !== 'LIKE') this.unexpected(u, 'IN or LIKE after NOT');
    }
    if (word === 'IN') {
      this.expect('(', "'(' and a list of literals after IN");
      const values = [this.literal('a text or number literal')];
      while (this.lex.peek().type === ',') {
        this.lex.next();
        values.push(this.literal('a text or number literal'));
      }
      this.expect(')', "',' or ')'");
      return { kind: 'in', negated, operand, values };
    }
    if (word === 'LIKE') {
      const p = this.lex.next();
      if (p.type !== 'text') this.unexpected(p, "a text literal (the LIKE pattern, e.g. 'abc%')");
      return { kind: 'like', negated, operand, pattern: p.value };
    }
    return this.unexpected(t, COMPARISON);
  }

  private operand(first: boolean): Operand {
    const t = this.lex.next();
    const expected = first
      ? 'a condition (a property name, a literal or an opening parenthesis)'
      : 'a property name or a literal';
    switch (t.type) {
      case 'text':
      case 'number':
        return { kind: 'literal', value: t.value };
      case 'quotedName':
        return { kind: 'property', scope: this.mode === 'skill' ? 'skill' : 'user', name: t.value };
      case 'name':
        return this.bareName(t, expected);
      default:
        return this.unexpected(t, expected);
    }
  }

  private bareName(t: Token & { type: 'name' }, expected: string): PropertyRef {
    const upper = keyword(t.value);
    if (upper === 'NULL') this.unexpected(t, expected, 'NULL is only allowed in IS NULL and IS NOT NULL');
    if (RESERVED_WORDS.has(upper)) this.unexpected(t, expected, `a keyword; quote a name spelled so: "${t.value}"`);
    if (this.mode === 'skill') return { kind: 'property', scope: 'skill', name: t.value };
    if (t.value === TIME_IN_QUEUE && this.lex.peek().type === '[') {
      this.lex.next();
      this.expect(']', "']' (Genesys's _time_in_queue[])");
    }
    return { kind: 'property', scope: isSystemName(t.value) ? 'system' : 'user', name: t.value };
  }

  private orderName(): PropertyRef {
    const t = this.lex.next();
    if (t.type === 'quotedName') return { kind: 'property', scope: 'user', name: t.value };
    if (t.type !== 'name') return this.unexpected(t, 'a property name');
    return this.bareName(t, 'a property name');
  }

  private literal(expected: string): ConditionValue {
    const t = this.lex.next();
    if (t.type === 'text' || t.type === 'number') return t.value;
    if (t.type === 'name' && keyword(t.value) === 'NULL') {
      return this.unexpected(t, expected, 'NULL is only allowed in IS NULL and IS NOT NULL');
    }
    return this.unexpected(t, expected);
  }

  private atKeyword(word: string): boolean {
    const t = this.lex.peek();
    return t.type === 'name' && keyword(t.value) === word;
  }

  private expect(type: '(' | ')' | ']', expected: string): void {
    const t = this.lex.next();
    if (t.type !== type) this.unexpected(t, expected);
  }

  private expectEnd(expected: string): void {
    const t = this.lex.peek();
    if (t.type !== 'end') this.unexpected(t, expected);
  }

  /** One more level of nesting, refused past {@link MAX_CONDITION_DEPTH}. */
  private enter(t: Token): void {
    this.depth += 1;
    if (this.depth > MAX_CONDITION_DEPTH) {
      throw new ConditionParseError(
        `nesting deeper than ${MAX_CONDITION_DEPTH} levels (parentheses and NOT) at position ${t.start + 1}`,
        t.start + 1,
        `at most ${MAX_CONDITION_DEPTH} levels of nesting`,
        quote(this.lex.source(t)),
      );
    }
  }

  private unexpected(t: Token, expected: string, hint?: string): never {
    const found = t.type === 'end' ? 'end of input' : quote(this.lex.source(t));
    throw new ConditionParseError(
      `expected ${expected} at position ${t.start + 1}, found ${found}${hint === undefined ? '' : ` (${hint})`}`,
      t.start + 1,
      expected,
      found,
    );
  }
}

/**
 * Parses a condition (views, snapshots, find requests, workbin content). Unquoted names spelled exactly as a system
 * property (or `_time_in_queue`) are system properties; every other name, and every `"quoted name"`, is a user-data
 * key.
 *
 * @throws ConditionParseError when the text does not parse (and never anything else)
 */
export function parseCondition(text: string): Condition {
  return new Parser(text, 'condition').condition();
}

/**
 * Parses a skill expression of the built-in router (`english >= 5 AND billing > 2`): the same language, every name
 * (quoted or not) an agent's skill.
 *
 * @throws ConditionParseError when the text does not parse (and never anything else)
 */
export function parseSkillExpression(text: string): Condition {
  return new Parser(text, 'skill').condition();
}

/**
 * Parses an order: `name [ASC|DESC] (, name [ASC|DESC])*`, names resolved as in {@link parseCondition}.
 *
 * @throws ConditionParseError when the text does not parse (and never anything else)
 */
export function parseOrder(text: string): Order {
  return new Parser(text, 'condition').order();
}
