/** The condition language's tokens, read one at a time so the first error in the text is the one reported. */
import { ConditionParseError } from './errors.ts';

/** One token. `start` is its 0-based offset in the text, `end` one past its last code unit. */
export type Token =
  | { readonly type: 'name'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: 'quotedName'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: 'text'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: 'number'; readonly value: number; readonly start: number; readonly end: number }
  | {
      readonly type: 'op';
      readonly value: '=' | '<>' | '!=' | '<' | '<=' | '>' | '>=';
      readonly start: number;
      readonly end: number;
    }
  | { readonly type: '(' | ')' | ',' | '[' | ']' | 'end'; readonly start: number; readonly end: number };

const SPACE = /\s+/y;
/** A bare name: a letter or `_`, then letters, marks, decimal digits or `_`. Anything else needs `"quotes"`. */
const NAME = /[\p{L}_][\p{L}\p{M}\p{Nd}_]*/uy;
/** Numbers: an optional minus, digits with an optional fraction (or a fraction alone), an optional exponent. */
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
/** What may not follow a number directly (`5abc`, `1.2.3`). */
const AFTER_NUMBER = /[\p{L}\p{M}\p{Nd}_.]/uy;

/** True when `name` can be written without quotes (reserved words aside). */
export function isBareName(name: string): boolean {
  NAME.lastIndex = 0;
  const m = NAME.exec(name);
  return m !== null && m[0].length === name.length;
}

/**
 * A bare name upper-cased for comparison with keywords, ASCII letters only: `toUpperCase` alone would turn
 * `ın` (dotless i) into IN and `iſ` (long s) into IS.
 */
export function keyword(name: string): string {
  return /^[A-Za-z]+$/.test(name) ? name.toUpperCase() : name;
}

/** A short, printable quote of a piece of the text for error messages. */
export function quote(s: string): string {
  const shown = s.length > 24 ? `${s.slice(0, 24)}…` : s;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced here
  return `'${shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

/** The tokenizer: `peek()` looks one token ahead, `next()` consumes it. */
export class Lexer {
  private pos = 0;
  private ahead: Token | undefined;

  constructor(readonly text: string) {}

  /** The next token, not consumed. */
  peek(): Token {
    this.ahead ??= this.read();
    return this.ahead;
  }

  /** The next token, consumed. */
  next(): Token {
    const t = this.peek();
    this.ahead = undefined;
    return t;
  }

  /** The text of a token as written (for messages). */
  source(t: Token): string {
    return this.text.slice(t.start, t.end);
  }

  private fail(message: string, offset: number, expected: string, found: string): never {
    throw new ConditionParseError(`${message} at position ${offset + 1}`, offset + 1, expected, found);
  }

  private read(): Token {
    const text = this.text;
    SPACE.lastIndex = this.pos;
    if (SPACE.test(text)) this.pos = SPACE.lastIndex;
    const start = this.pos;
    if (start >= text.length) return { type: 'end', start, end: start };
    const c = text[start]!;
    switch (c) {
      case '(':
      case ')':
      case ',':
      case '[':
      case ']':
        this.pos = start + 1;
        return { type: c, start, end: this.pos };
      case '=':
        this.pos = start + 1;
        return { type: 'op', value: '=', start, end: this.pos };
      case '<': {
        const n = text[start + 1];
        const value = n === '>' ? '<>' : n === '=' ? '<=' : '<';
        this.pos = start + value.length;
        return { type: 'op', value, start, end: this.pos };
      }
      case '>': {
        const value = text[start + 1] === '=' ? '>=' : '>';
        this.pos = start + value.length;
        return { type: 'op', value, start, end: this.pos };
      }
      case '!':
        if (text[start + 1] === '=') {
          this.pos = start + 2;
          return { type: 'op', value: '!=', start, end: this.pos };
        }
        return this.fail("unexpected '!' (did you mean '!=' or NOT?)", start, "'!='", quote('!'));
      case "'":
      case '"': {
        const value = this.quoted(c);
        return { type: c === "'" ? 'text' : 'quotedName', value, start, end: this.pos };
      }
    }
    NUMBER.lastIndex = start;
    const num = NUMBER.exec(text);
    if (num) {
      const end = start + num[0].length;
      AFTER_NUMBER.lastIndex = end;
      if (AFTER_NUMBER.test(text)) {
        const bad = /^\S*/.exec(text.slice(start))![0];
        this.fail(`malformed number ${quote(bad)}`, start, 'a number', quote(bad));
      }
      const value = Number(num[0]);
      if (!Number.isFinite(value))
        this.fail(`number ${quote(num[0])} is out of range`, start, 'a finite number', quote(num[0]));
      this.pos = end;
      return { type: 'number', value, start, end };
    }
    NAME.lastIndex = start;
    const name = NAME.exec(text);
    if (name) {
      this.pos = start + name[0].length;
      return { type: 'name', value: name[0], start, end: this.pos };
    }
    const ch = String.fromCodePoint(text.codePointAt(start)!);
    return this.fail(
      `unexpected character ${quote(ch)}`,
      start,
      'a name, a literal, an operator, a parenthesis or a comma',
      quote(ch),
    );
  }

  /** A `'text'` or `"name"` starting at `pos`; a doubled quote inside stands for one. */
  private quoted(q: "'" | '"'): string {
    const text = this.text;
    const start = this.pos;
    let out = '';
    let from = start + 1;
    for (;;) {
      const at = text.indexOf(q, from);
      if (at < 0) {
        const what = q === "'" ? 'text literal' : 'quoted name';
        return this.fail(`unterminated ${what} (no closing ${q}) starting`, start, `a closing ${q}`, 'end of input');
      }
      out += text.slice(from, at);
      if (text[at + 1] === q) {
        out += q;
        from = at + 2;
        continue;
      }
      this.pos = at + 1;
      if (q === '"' && out === '') this.fail('empty quoted name', start, 'a name inside the quotes', quote('""'));
      return out;
    }
  }
}
