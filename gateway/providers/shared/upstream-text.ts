/**
 * The text each upstream answer or stream chunk in OpenAI's shape was parsed from, by the parsed
 * object. Parsed objects are never changed in place (adapters that translate make new ones, which
 * have no text here), so the text a route finds for an object is still that object: it can be
 * sent as is instead of serialising the object again.
 */
const texts = new WeakMap<object, string>();

/** Notes the text `parsed` came from (an object; anything else is ignored). */
export function rememberUpstreamText(parsed: unknown, text: string): void {
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) texts.set(parsed, text);
}

/** The upstream text `parsed` came from, or undefined for an object made by the node. */
export function upstreamTextOf(parsed: object): string | undefined {
  return texts.get(parsed);
}
