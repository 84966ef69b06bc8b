import { parseTree, type Node } from 'jsonc-parser';

/**
 * Literal secrets written straight into config.json (a key's `value` that is not an
 * `env.NAME` reference, a Bedrock secret key, the admin password...) never leave the
 * reloader: the config API shows them masked Bifrost-style (`sk-a…wxyz`), and the history
 * keeps them masked. `env.NAME` references are shown as written: they name, not hold.
 *
 * The text is edited in place (string tokens replaced by offset), so the file's layout,
 * whitespace and key order are exactly as the operator wrote them.
 */

/** Property names whose string value is a secret wherever they appear. */
const SECRET_NAMES = new Set([
  'access_key',
  'secret_key',
  'session_token',
  'auth_credentials',
  'admin_password',
  'password',
  'encryption_key',
  'api_key',
  'token',
  'secret',
  'dsn',
  'connection_string',
]);

/** Header names (in extra_headers) whose value is a credential. */
const SECRET_HEADER = /auth|key|token|secret|cookie/i;

/** The mark a masked value carries; a candidate text holding it anywhere else is refused. */
export const MASK_MARK = '…';

/** One literal secret found in a text: where its JSON string token is, and its value. */
export interface SecretSpot {
  path: string;
  offset: number;
  length: number;
  value: string;
  /** The JSON token as written (quotes and escapes included). */
  raw: string;
}

/** Masks one secret: first 4 and last 4 characters for long ones, only the mark for short ones. */
export function maskSecret(value: string): string {
  if (value.length >= 16) return `${value.slice(0, 4)}${MASK_MARK}${value.slice(-4)}`;
  return `${MASK_MARK}${MASK_MARK}${MASK_MARK}`;
}

/** Every literal secret in a config text (none when it is not parseable JSON). */
export function findSecrets(text: string): SecretSpot[] {
  const root = parseTree(text, [], { allowTrailingComma: false, disallowComments: true });
  const spots: SecretSpot[] = [];
  if (root) collect(text, root, [], spots);
  return spots;
}

function collect(text: string, node: Node, path: Array<string | number>, spots: SecretSpot[]): void {
  if (node.type === 'object') {
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (!keyNode || !valueNode) continue;
      const key = String(keyNode.value);
      const childPath = [...path, key];
      if (valueNode.type === 'string' && isSecretPlace(childPath) && isLiteral(valueNode.value as string)) {
        spots.push(spotOf(text, childPath, valueNode));
      } else {
        collect(text, valueNode, childPath, spots);
      }
    }
  } else if (node.type === 'array') {
    for (const [index, child] of (node.children ?? []).entries()) collect(text, child, [...path, index], spots);
  }
}

function spotOf(text: string, path: Array<string | number>, node: Node): SecretSpot {
  return {
    path: formatPath(path),
    offset: node.offset,
    length: node.length,
    value: String(node.value),
    raw: text.slice(node.offset, node.offset + node.length),
  };
}

function isSecretPlace(path: Array<string | number>): boolean {
  const name = String(path[path.length - 1]);
  const parent = path[path.length - 2];
  const grandparent = path[path.length - 3];
  // A provider key's value, and a governance virtual key's (a client credential).
  if (name === 'value' && typeof parent === 'number' && (grandparent === 'keys' || grandparent === 'virtual_keys')) return true;
  if (parent === 'extra_headers' && SECRET_HEADER.test(name)) return true;
  return SECRET_NAMES.has(name);
}

function isLiteral(value: string): boolean {
  return value !== '' && !value.startsWith('env.');
}

function formatPath(path: Array<string | number>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** The text with every literal secret masked; layout unchanged. */
export function maskConfigText(text: string): string {
  return replaceSpots(text, findSecrets(text), (spot) => JSON.stringify(maskSecret(spot.value)));
}

/** Outcome of restoring masked values in a candidate text. */
export type UnmaskResult = { ok: true; text: string } | { ok: false; paths: string[] };

/**
 * Takes a candidate text that may carry masked values (as GET /api/config showed them) and
 * puts back the secret now on disk at the same path when the mask matches it: an operator
 * who edits one field keeps every secret without ever seeing it. A masked value that matches
 * nothing on disk (its key was moved or deleted) cannot be restored: refused with its paths.
 */
export function unmaskConfigText(candidate: string, current: string): UnmaskResult {
  const known = new Map(findSecrets(current).map((spot) => [spot.path, spot]));
  const unresolved: string[] = [];
  const masked = findMaskedStrings(candidate);
  const text = replaceSpots(candidate, masked, (spot) => {
    const original = known.get(spot.path);
    // The token exactly as on disk: the same bytes, so an untouched file keeps its fingerprint.
    if (original !== undefined && maskSecret(original.value) === spot.value) return original.raw;
    unresolved.push(spot.path);
    return spot.raw;
  });
  return unresolved.length > 0 ? { ok: false, paths: unresolved } : { ok: true, text };
}

/** Every string value holding the mask mark, wherever it is. */
function findMaskedStrings(text: string): SecretSpot[] {
  const root = parseTree(text, [], { allowTrailingComma: false, disallowComments: true });
  const spots: SecretSpot[] = [];
  const walk = (node: Node, path: Array<string | number>) => {
    if (node.type === 'string' && typeof node.value === 'string' && node.value.includes(MASK_MARK)) {
      spots.push(spotOf(text, path, node));
    } else if (node.type === 'object') {
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (keyNode && valueNode) walk(valueNode, [...path, String(keyNode.value)]);
      }
    } else if (node.type === 'array') {
      for (const [index, child] of (node.children ?? []).entries()) walk(child, [...path, index]);
    }
  };
  if (root) walk(root, []);
  return spots;
}

/** Replaces each spot's token with the JSON token `replacement` gives. */
function replaceSpots(text: string, spots: SecretSpot[], replacement: (spot: SecretSpot) => string): string {
  let out = text;
  // From the end, so earlier offsets stay valid.
  for (const spot of [...spots].sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, spot.offset) + replacement(spot) + out.slice(spot.offset + spot.length);
  }
  return out;
}
