/** Secret-looking tokens an upstream may echo back in an error ("Incorrect API key: sk-ab..."). */
const TOKEN_PATTERN = /\b(?:sk|pk|rk|sess|key)-[A-Za-z0-9_-]{8,}/g;
const REPLACEMENT = '[redacted]';

/**
 * Builds the redaction applied to every free-text field of a row: each configured secret
 * (provider key values, the database password) is cut out, then anything shaped like an API key.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  // Short values would redact ordinary words; real keys are long.
  const exact = [...new Set(secrets.filter((secret) => secret.length >= 8))].sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join(REPLACEMENT);
    return out.replace(TOKEN_PATTERN, REPLACEMENT);
  };
}
