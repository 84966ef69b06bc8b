/**
 * The prefixes every OpenAI-shaped route is served under: Bifrost's own `/v1`, and the
 * OpenAI drop-in `/openai/v1` and `/openai` (the SDK with baseURL `http://host/openai`
 * appends `/chat/completions`).
 */
export const OPENAI_PREFIXES = ['/v1', '/openai/v1', '/openai'] as const;

/** The paths of one OpenAI route under every prefix. */
export function openaiPaths(suffix: string): string[] {
  return OPENAI_PREFIXES.map((prefix) => `${prefix}${suffix}`);
}
