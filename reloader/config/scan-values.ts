import { createScanner } from 'jsonc-parser';

/**
 * Finds every scalar value in a config text, with its JSON path, whether or not the text is
 * valid JSON. A half-edited file is exactly when an operator pastes a key with single quotes,
 * forgets a quote or a comma, or writes `keys` as an object; a parser that gives up (or
 * builds no node there) would let the secret through unmasked. This walks the tokens with
 * jsonc-parser's scanner and an explicit stack (iterative: no depth limit), guessing the
 * structure where the text breaks it, and reports single-quoted and bare values as values.
 */

/** How a scalar value is written: a JSON string, a single-quoted string, or bare (a number, or any unquoted text). */
export type ValueStyle = 'string' | 'single-quoted' | 'bare';

/** One scalar value of a config text. */
export interface ScannedValue {
  /** Property names (trimmed of blanks, quotes and colons) and array indexes from the root. */
  path: Array<string | number>;
  offset: number;
  length: number;
  /** The content: a JSON string unescaped; a single-quoted one without its quotes; bare text as written. */
  value: string;
  style: ValueStyle;
  /**
   * The value, or the key it sits under, is the rest of a string a block comment closed inside
   * (the comment's closer typed in the middle of `"admin_password"` or of the secret itself): the
   * start of it is commented out, so what it is (a secret or not) cannot be told.
   */
  cut: boolean;
}

/** A comment (never valid in config.json, so it only appears in a text being fixed). */
export interface ScannedComment {
  offset: number;
  length: number;
}

/** What scanValues found. */
export interface ScannedText {
  values: ScannedValue[];
  comments: ScannedComment[];
}

// jsonc-parser's SyntaxKind (a const enum, which isolated modules cannot read from its typings).
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const COLON = 6;
const NULL_KEYWORD = 7;
const TRUE_KEYWORD = 8;
const FALSE_KEYWORD = 9;
const STRING = 10;
const NUMBER = 11;
const LINE_COMMENT = 12;
const BLOCK_COMMENT = 13;
const LINE_BREAK = 14;
const BLANKS = 15;
const UNKNOWN = 16;
const EOF = 17;

/** Tokens that are not structure, blanks or comments: a key or a scalar value (unknown text included). */
const SCALARS: ReadonlySet<number> = new Set([NULL_KEYWORD, TRUE_KEYWORD, FALSE_KEYWORD, STRING, NUMBER, UNKNOWN]);

/** What may follow a value: a token before one of these is a value, not a key. */
const ENDS_A_VALUE: ReadonlySet<number> = new Set([COMMA, CLOSE_BRACE, CLOSE_BRACKET, EOF]);

/**
 * Where the walk is inside one object or array. An array has a key only in a broken text (a `[`
 * typed where a `{` belongs): a token followed by a colon is a key wherever it is.
 */
type Frame = {
  kind: 'object' | 'array';
  index: number;
  key: string | undefined;
  /** The key is the rest of a string a block comment closed inside (see ScannedValue.cut). */
  keyCut: boolean;
  /** What comes next: a key, the colon after it, the value after that, or (after a value, and in an array) a comma. */
  expect: 'key' | 'colon' | 'value' | 'comma';
};

/** Lists every scalar value (keywords aside) and every comment of `text`. */
export function scanValues(text: string): ScannedText {
  const scanner = createScanner(text, false);
  const stack: Frame[] = [];
  const values: ScannedValue[] = [];
  const comments: ScannedComment[] = [];
  const pathHere = (): Array<string | number> =>
    stack.flatMap((frame) => (frame.kind === 'object' ? [frame.key ?? ''] : frame.key === undefined ? [frame.index] : [frame.index, frame.key]));
  const top = (): Frame | undefined => stack[stack.length - 1];
  const valueTaken = () => {
    const frame = top();
    if (frame) frame.expect = 'comma';
  };

  // A key is a token followed by a colon (anywhere but right after a colon: a stray colon after a
  // value must not make the value a key), or a token followed by a value where an object expects
  // a key (its colon forgotten). Deciding by what follows keeps a stray character from shifting
  // the keys after it. A token after a value that is neither (a quote or a line break typed
  // inside a value) continues that value: same key.
  const nextToken = (): number => {
    const resume = scanner.getPosition();
    let next: number = scanner.scan();
    while (next === BLANKS || next === LINE_BREAK || next === LINE_COMMENT || next === BLOCK_COMMENT) next = scanner.scan();
    scanner.setPosition(resume);
    return next;
  };
  const isKey = (frame: Frame): boolean => {
    if (frame.expect === 'value') return false;
    const next = nextToken();
    if (next === COLON) return true;
    return frame.kind === 'object' && frame.expect === 'key' && !ENDS_A_VALUE.has(next);
  };
  const takeKey = (frame: Frame | undefined, raw: string): boolean => {
    if (!frame || !isKey(frame)) return false;
    // Text between a key and its colon belongs to the key: `"Authorization"x:` names Authorization still.
    if (frame.expect !== 'colon') frame.keyCut = false;
    frame.key = frame.expect === 'colon' ? `${frame.key ?? ''}${normaliseKey(raw)}` : normaliseKey(raw);
    frame.expect = 'colon';
    return true;
  };
  const takeValue = (offset: number, end: number, value: string, style: ValueStyle, cut = false) => {
    values.push({ path: pathHere(), offset, length: end - offset, value, style, cut: cut || (top()?.keyCut ?? false) });
    valueTaken();
  };
  // A word glued to a double quote ends a string whose opening quote is gone (`{ Authorization": `):
  // taken with its quote, the quotes after it pair up as written instead of one off. As a value it is
  // the rest of a string whose start was lost (a comma or a brace typed inside a secret): cut.
  const takeGluedToQuote = (offset: number, end: number) => {
    scanner.setPosition(end + 1);
    if (!takeKey(top(), text.slice(offset, end))) takeValue(offset, end, text.slice(offset, end), 'bare', true);
  };
  // A comment may have swallowed a key, its colon or both: what follows is read afresh (a key when
  // a colon follows it, even right after a colon), and a value before any new key has lost its name.
  const afterComment = () => {
    const frame = top();
    if (!frame) return;
    frame.keyCut = true;
    if (frame.kind === 'object' && frame.expect === 'value') frame.expect = 'key';
  };
  // The rest of a string a block comment closed inside: a key when a colon follows, else a value.
  const takeCutTail = (tail: CutTail) => {
    scanner.setPosition(tail.resume);
    if (stack.length === 0) stack.push(newFrame('object'));
    const frame = top() as Frame;
    if (nextToken() !== COLON) return takeValue(tail.offset, tail.end, text.slice(tail.offset, tail.end), 'bare', true);
    Object.assign(frame, { key: normaliseKey(text.slice(tail.offset, tail.end)), keyCut: true, expect: 'colon' });
  };

  for (let kind: number = scanner.scan(); kind !== EOF; kind = scanner.scan()) {
    const offset = scanner.getTokenOffset();
    const length = scanner.getTokenLength();
    // A stray closer can close the root before the text ends; what follows is read as one more
    // object, so its keys still name their values ("admin_password" still marks a secret).
    if (stack.length === 0 && SCALARS.has(kind)) stack.push(newFrame('object'));
    const frame = top();
    switch (kind) {
      case LINE_BREAK:
      case BLANKS:
        break;
      case LINE_COMMENT:
        comments.push({ offset, length });
        afterComment();
        break;
      case BLOCK_COMMENT: {
        comments.push({ offset, length });
        const tail = cutTailAfter(text, offset + length);
        if (tail) takeCutTail(tail);
        else afterComment();
        break;
      }
      case OPEN_BRACE:
      case OPEN_BRACKET:
        valueTaken();
        stack.push(newFrame(kind === OPEN_BRACE ? 'object' : 'array'));
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        // Typed between a key's colon and its value (`"admin_password": }"..."`), a closer is a stray:
        // closing there would leave the value that follows without its name.
        if (frame?.expect === 'value') break;
        closeFrame(stack, kind === CLOSE_BRACE ? 'object' : 'array');
        valueTaken();
        break;
      case COMMA:
        if (frame) Object.assign(frame, { index: frame.index + 1, key: undefined, keyCut: false, expect: frame.kind === 'object' ? 'key' : 'comma' });
        break;
      case COLON:
        if (frame) frame.expect = 'value';
        break;
      case NULL_KEYWORD:
      case TRUE_KEYWORD:
      case FALSE_KEYWORD:
        // Never a secret itself.
        if (!takeKey(frame, text.slice(offset, offset + length))) valueTaken();
        break;
      case STRING: {
        // Read before takeKey, whose look-ahead moves the scanner on.
        const content = scanner.getTokenValue();
        if (!takeKey(frame, content)) takeValue(offset, offset + length, content, 'string');
        break;
      }
      default: {
        // A number, or text JSON has no token for: a single-quoted string, an unquoted word.
        const token = text.slice(offset, offset + length);
        // Blanks JSON does not allow (a byte-order mark, a no-break space) are still blanks.
        if (/^\s+$/.test(token)) break;
        const word = (token.startsWith("'") ? singleQuotedSpan(text, offset) : undefined) ?? { end: offset + length, content: token, style: 'bare' as const };
        if (word.style === 'bare' && text[word.end] === '"') {
          takeGluedToQuote(offset, word.end);
          break;
        }
        scanner.setPosition(word.end);
        if (takeKey(frame, word.content)) break;
        const span = word.style === 'single-quoted' ? word : bareSpan(text, offset, length);
        scanner.setPosition(span.end);
        takeValue(offset, span.end, span.content, span.style);
      }
    }
  }
  return { values, comments };
}

function newFrame(kind: Frame['kind']): Frame {
  return { kind, index: 0, key: undefined, keyCut: false, expect: kind === 'object' ? 'key' : 'comma' };
}

/** The rest of a string after a block comment closed inside it: its text, and where scanning resumes (past its closing quote). */
type CutTail = { offset: number; end: number; resume: number };

/**
 * When the block comment ending at `commentEnd` closed inside a string (an odd number of quotes
 * on its line before the closer: a line of config.json starts outside any string), the rest of that
 * string, up to its closing quote on the same line or the line's end. Read as tokens, that rest
 * would be taken for a key or a stray word and shown.
 */
function cutTailAfter(text: string, commentEnd: number): CutTail | undefined {
  if (!text.startsWith('*/', commentEnd - 2)) return undefined;
  const lineStart = Math.max(text.lastIndexOf('\n', commentEnd - 1), text.lastIndexOf('\r', commentEnd - 1)) + 1;
  let quotes = 0;
  for (let pos = lineStart; pos < commentEnd - 2; pos++) {
    if (text[pos] === '\\') pos++;
    else if (text[pos] === '"') quotes++;
  }
  if (quotes % 2 === 0) return undefined;
  for (let pos = commentEnd; pos < text.length; pos++) {
    const ch = text[pos];
    if (ch === '\\') pos++;
    else if (ch === '"') return { offset: commentEnd, end: pos, resume: pos + 1 };
    else if (ch === '\n' || ch === '\r') return { offset: commentEnd, end: pos, resume: pos };
  }
  return { offset: commentEnd, end: text.length, resume: text.length };
}

/** Closes the innermost open frame of `kind` (and any left open inside it); a stray closer closes nothing. */
function closeFrame(stack: Frame[], kind: Frame['kind']): void {
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i]?.kind === kind) {
      stack.length = i;
      return;
    }
  }
}

/** A key as written, without the blanks, quotes and colons a broken text leaves around it. */
function normaliseKey(raw: string): string {
  return raw.replace(/^[\s'"]+|[\s'":]+$/g, '');
}

type Span = { end: number; content: string; style: ValueStyle };

/**
 * A single-quoted string from `start` to its closing quote on the same line; undefined when the
 * line has none or a double quote comes first (a stray quote is then a character of its own, not
 * a string swallowing the line).
 */
function singleQuotedSpan(text: string, start: number): Span | undefined {
  for (let pos = start + 1; pos < text.length; pos++) {
    const ch = text[pos];
    if (ch === '\\') pos++;
    else if (ch === "'") return { end: pos + 1, content: text.slice(start + 1, pos), style: 'single-quoted' };
    // A double quote inside: more likely a stray quote pairing with another across real strings
    // (`' "keys": [{ "value": "sk-...", 'models"`), which would hide them in one value or key.
    else if (ch === '\n' || ch === '\r' || ch === '"') return undefined;
  }
  return undefined;
}

/**
 * Unquoted text from `start`: everything up to the next comma, closing bracket or line end
 * (blanks trimmed), so a value with a space, a colon or a quote in it is taken whole.
 */
function bareSpan(text: string, start: number, tokenLength: number): Span {
  let end = start + tokenLength;
  while (end < text.length && !',}]\r\n'.includes(text[end] as string)) end++;
  while (end > start + tokenLength && /\s/.test(text[end - 1] as string)) end--;
  return { end, content: text.slice(start, end), style: 'bare' };
}
