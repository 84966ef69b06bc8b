/**
 * The deepest a config.json may nest objects and arrays. A real one nests about eight levels;
 * thousands of levels would overflow the stack of the recursive steps that follow (the schema
 * library, the syntax-error locator), so such a text is refused before any of them runs.
 */
export const MAX_NESTING = 64;

/**
 * How deep the text nests `{` and `[` (outside strings), counting at most up to `limit + 1`.
 * Iterative on purpose: it must not itself overflow on the texts it is there to refuse. For a
 * text that is not valid JSON the count is approximate, which is all a limit needs.
 */
export function measureNesting(text: string, limit = MAX_NESTING): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) {
      inString = true;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((ch === CLOSE_BRACE || ch === CLOSE_BRACKET) && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
