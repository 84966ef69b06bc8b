import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** Where in a text a syntax error sits, 1-based like an editor shows it. */
export interface TextPosition {
  line: number;
  column: number;
}

/** A JSON syntax error located by line and column. */
export class JsonSyntaxError extends Error {
  readonly position: TextPosition;

  constructor(message: string, position: TextPosition, options?: ErrorOptions) {
    super(`${message} at line ${position.line}, column ${position.column}`, options);
    this.name = 'JsonSyntaxError';
    this.position = position;
  }
}

/** Converts a character offset into a 1-based line and column. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses strict JSON. On failure, throws a JsonSyntaxError naming the line and column of
 * the first problem, which V8's own message does not do on every Node version.
 */
export function parseJsonStrict(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const errors: ParseError[] = [];
    parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first) {
      throw new JsonSyntaxError(`invalid JSON: ${describeParseError(first.error)}`, positionOf(text, first.offset), { cause });
    }
    // jsonc-parser found nothing V8 rejected (for example a lone surrogate): fall back to V8's words.
    throw new JsonSyntaxError(`invalid JSON: ${(cause as Error).message}`, { line: 1, column: 1 }, { cause });
  }
}

function describeParseError(code: number): string {
  const name = printParseErrorCode(code);
  // "CloseBraceExpected" -> "close brace expected"
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
