import { maskUrlCredentials, urlCredentialSpans } from '../../shared/url-credentials.js';
import { scanValues, type ScannedValue, type ValueStyle } from './scan-values.js';

/**
 * Literal secrets written straight into config.json (a key's `value` that is not an
 * `env.NAME` reference, a Bedrock secret key, the admin password...) never leave the
 * reloader: the config API shows them masked Bifrost-style (`sk-a…wxyz`), and the history
 * keeps them masked. `env.NAME` references are shown as written: they name, not hold. A URL
 * with a credential in it (`https://user:password@proxy`, `?key=...`) keeps everything but the
 * credential in view, so a `base_url` still says where it points.
 *
 * The text is edited in place (tokens replaced by offset), so the file's layout, whitespace
 * and key order are exactly as the operator wrote them. Values are found by a scan that also
 * reads a text that is not valid JSON (see scan-values.ts): a file being fixed by hand is
 * shown and kept in the history too, and its secrets must be masked all the same.
 */

/** Property names whose value (and anything under it) is a secret wherever they appear; compared in lower case. */
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

/** One literal secret found in a text: where its token is, and its value. */
export interface SecretSpot {
  path: string;
  offset: number;
  length: number;
  value: string;
  /** The token as written (quotes and escapes included). */
  raw: string;
  style: ValueStyle;
  /** The value as shown: the masked secret, or the URL with its credentials masked. */
  mask: string;
}

/** Masks one secret: first 4 and last 4 characters for long ones, only the mark for short ones. */
export function maskSecret(value: string): string {
  if (value.length >= MASK_MIN_SHOWN_LENGTH) return `${value.slice(0, MASK_SHOWN_CHARS)}${MASK_MARK}${value.slice(-MASK_SHOWN_CHARS)}`;
  return SHORT_SECRET_MASK;
}

/** How many characters of a long secret a mask shows at each end, and from what length. */
const MASK_SHOWN_CHARS = 4;
const MASK_MIN_SHOWN_LENGTH = 16;
const SHORT_SECRET_MASK = MASK_MARK.repeat(3);
/** What maskSecret writes, for either length (isMask). */
const MASK_SHAPE = new RegExp(`^(?:[^${MASK_MARK}]{${MASK_SHOWN_CHARS}}${MASK_MARK}[^${MASK_MARK}]{${MASK_SHOWN_CHARS}}|${SHORT_SECRET_MASK})$`);

/**
 * Every literal secret in a config text, valid JSON or not: by the name it sits under
 * (`value`, `password`, `api_key`, ... at any depth, so `keys` written as an object or a secret
 * written as an array is still found), an auth-like header of `extra_headers`, or a value
 * written straight into `keys`. Numbers and unquoted words count too: an invalid file is shown
 * as well.
 */
export function findSecrets(text: string): SecretSpot[] {
  return secretsAmong(text, scanValues(text).values, !isJson(text));
}

/** The secrets among a text's scanned values; `broken` when the text is not JSON (the net is then wider). */
function secretsAmong(text: string, values: readonly ScannedValue[], broken: boolean): SecretSpot[] {
  const spots: SecretSpot[] = [];
  for (const value of values) {
    if (!isLiteral(value.value) || isMask(value.value)) continue;
    // A secret by its place is masked whole; a URL elsewhere only where its credentials are.
    if (isSecretPlace(value, broken)) spots.push(spotOf(text, value, maskSecret(value.value)));
    else if (urlCredentialSpans(value.value.trim()).length > 0) spots.push(spotOf(text, value, maskUrlCredentials(value.value, MASK_MARK)));
    else if (broken && looksLikeKey(value.value)) spots.push(spotOf(text, value, maskSecret(value.value)));
  }
  return spots;
}

function spotOf(text: string, value: ScannedValue, mask: string): SecretSpot {
  return {
    path: formatPath(value.path),
    offset: value.offset,
    length: value.length,
    value: value.value,
    raw: text.slice(value.offset, value.offset + value.length),
    style: value.style,
    mask,
  };
}

/**
 * True for a value that holds a secret: under a secret name (at any depth), an auth-like header
 * of `extra_headers`, or written straight into `keys`. In a text that is not JSON (`broken`) the
 * structure around a value is a guess, so the net is wider: its own name holding a secret name
 * or an auth-like word (and, see looksLikeKey, any value long enough to be a key).
 */
function isSecretPlace(value: ScannedValue, broken: boolean): boolean {
  // Half commented out: the name that would tell is gone, so it is taken for a secret.
  if (value.cut) return true;
  const names = value.path.map((part) => (typeof part === 'string' ? comparableName(part) : part));
  if (names.some((name) => typeof name === 'string' && (SECRET_NAMES_COMPARABLE.has(name) || name === 'value'))) return true;
  // A key written as a plain string in `keys` (or `keys` written as a map of strings).
  if (names[names.length - 2] === 'keys') return true;
  const named = names.filter((name): name is string => typeof name === 'string' && name !== '');
  const own = named[named.length - 1] ?? '';
  if (!broken) return named[named.length - 2] === 'extraheaders' && SECRET_HEADER.test(own);
  return SECRET_HEADER.test(own) || own.includes('value') || [...SECRET_NAMES_COMPARABLE].some((secret) => own.includes(secret));
}

/**
 * A property name in lower case with only its letters and digits: a character typed into a name
 * by mistake (`"admin_passwo'rd"`, `"acc:ess_key"`, `"extra_h{eaders"`) is still valid JSON, and
 * the value under it is still the secret the name was meant for.
 */
function comparableName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const SECRET_NAMES_COMPARABLE: ReadonlySet<string> = new Set([...SECRET_NAMES].map(comparableName));

/**
 * A value that is already a mask as maskSecret writes it: left as it is, so that masking a text
 * twice (a history version masked when it was saved, masked again as it is read) keeps the 4+4
 * a rollback or an edit matches against the file, instead of hiding it behind a shorter mask.
 */
function isMask(value: string): boolean {
  return MASK_SHAPE.test(value);
}

/** Long enough to be a key (16+ characters, the length the mask shows 4+4 of) and not a plain URL. */
function looksLikeKey(value: string): boolean {
  const content = value.trim();
  return content.length >= MASK_MIN_SHOWN_LENGTH && !PLAIN_URL.test(content);
}

/** A URL with no user, password or query in it (where a credential could hide). */
const PLAIN_URL = /^https?:\/\/[^\s@?#]*$/;

function isJson(text: string): boolean {
  try {
    JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
    return true;
  } catch {
    return false;
  }
}

function isLiteral(value: string): boolean {
  const trimmed = value.trim();
  return trimmed !== '' && !trimmed.startsWith('env.');
}

function formatPath(path: Array<string | number>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** Options of maskConfigText. */
export interface MaskOptions {
  /**
   * The secrets of a valid version of the same file (knownSecretsOf). In a text that is not
   * JSON the scan guesses where values are, and a guess can miss; then any piece of a known
   * secret still showing after the masks (KNOWN_PIECE_CHARS or more) is masked too.
   */
  knownSecrets?: readonly string[];
}

/**
 * The text with every literal secret masked, written in the style the file has (a single-quoted
 * or unquoted value stays so, an unterminated string stays unterminated, so the issue a person
 * is fixing is still there to see), and every comment emptied (a commented-out old key is a
 * secret too). Line breaks are kept, so issue line numbers still point at the right line.
 */
export function maskConfigText(text: string, options: MaskOptions = {}): string {
  const { values, comments } = scanValues(text);
  const broken = !isJson(text);
  const masked = secretsAmong(text, values, broken).map((spot): Replacement => ({ offset: spot.offset, length: spot.length, with: maskedToken(spot) }));
  const emptied = comments.map((comment): Replacement => ({ ...comment, with: emptiedComment(text.slice(comment.offset, comment.offset + comment.length)) }));
  const out = replaceAll(text, [...masked, ...emptied]);
  const known = options.knownSecrets ?? [];
  return known.length > 0 && broken ? maskKnownPieces(out, known) : out;
}

/**
 * The literal secrets of a JSON text as written in it (escapes and all, as a broken version of
 * the file would hold them): each masked value, or the credentials of a URL. For MaskOptions.
 * Undefined for a text that is not JSON: where its values are is a guess.
 */
export function knownSecretsOf(text: string): string[] | undefined {
  if (!isJson(text)) return undefined;
  const secrets: string[] = [];
  for (const spot of secretsAmong(text, scanValues(text).values, false)) {
    const written = writtenContent(spot);
    if (spot.mask === maskSecret(spot.value)) {
      secrets.push(written);
      continue;
    }
    const url = written.trim();
    for (const span of urlCredentialSpans(url)) secrets.push(url.slice(span.offset, span.offset + span.length));
  }
  return secrets;
}

/** A value's token as written, without its quotes (an unterminated string has only the first). */
function writtenContent(spot: SecretSpot): string {
  if (spot.style === 'bare') return spot.raw;
  const closed = spot.raw.length >= 2 && spot.raw.endsWith(spot.raw[0] ?? '');
  return spot.raw.slice(1, closed ? -1 : undefined);
}

/** The shortest piece of a known secret that counts as showing it. */
const KNOWN_PIECE_CHARS = 6;

/** Replaces every stretch of `text` made of pieces of `secrets` by the mask mark, keeping line breaks. */
function maskKnownPieces(text: string, secrets: readonly string[]): string {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    for (let at = 0; at + KNOWN_PIECE_CHARS <= secret.length; at++) {
      const piece = secret.slice(at, at + KNOWN_PIECE_CHARS);
      if (!piece.includes('\n') && !piece.includes(MASK_MARK)) pieces.add(piece);
    }
  }
  const covered = new Uint8Array(text.length);
  for (let at = 0; at + KNOWN_PIECE_CHARS <= text.length; at++) {
    if (pieces.has(text.slice(at, at + KNOWN_PIECE_CHARS))) covered.fill(1, at, at + KNOWN_PIECE_CHARS);
  }
  const stretches: Replacement[] = [];
  for (let at = 0; at < text.length; at++) {
    if (covered[at] === 0) continue;
    let end = at;
    while (end < text.length && covered[end] === 1) end++;
    stretches.push({ offset: at, length: end - at, with: MASK_MARK + lineBreaksOf(text.slice(at, end)) });
    at = end; // covered[end] is 0: the loop's step past it skips nothing.
  }
  return replaceAll(text, stretches);
}

/** The line breaks of a stretch of text a mask replaces, so the lines after it keep their numbers. */
function lineBreaksOf(stretch: string): string {
  return '\n'.repeat((stretch.match(/\n/g) ?? []).length);
}

function maskedToken(spot: SecretSpot): string {
  const mask = spot.mask;
  if (spot.style === 'bare') return mask;
  const quote = spot.style === 'string' ? '"' : "'";
  const closed = spot.raw.length >= 2 && spot.raw.endsWith(quote);
  if (spot.style === 'string' && closed) return JSON.stringify(mask);
  return `${quote}${mask}${closed ? quote : ''}`;
}

function emptiedComment(comment: string): string {
  if (comment.startsWith('//')) return `//${MASK_MARK}`;
  return `/*${MASK_MARK}${lineBreaksOf(comment)}*/`;
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
  const masked = findMaskedValues(candidate);
  const text = replaceAll(
    candidate,
    masked.map((spot) => {
      const original = known.get(spot.path);
      if (original !== undefined && original.mask === spot.value) return { offset: spot.offset, length: spot.length, with: restoredToken(original) };
      unresolved.push(spot.path);
      return { offset: spot.offset, length: spot.length, with: spot.raw };
    }),
  );
  return unresolved.length > 0 ? { ok: false, paths: unresolved } : { ok: true, text };
}

/**
 * The secret as a JSON token: exactly as on disk when it is one (the same bytes, so an untouched
 * file keeps its fingerprint), else as a JSON string (a file being fixed held it single-quoted or
 * unquoted).
 */
function restoredToken(original: SecretSpot): string {
  if (original.style === 'string' && isJsonString(original.raw)) return original.raw;
  if (original.style === 'bare' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(original.raw)) return original.raw;
  return JSON.stringify(original.value);
}

function isJsonString(token: string): boolean {
  try {
    return typeof JSON.parse(token) === 'string';
  } catch {
    return false;
  }
}

/** Every value holding the mask mark, wherever it is and however it is written. */
function findMaskedValues(text: string): SecretSpot[] {
  return scanValues(text)
    .values.filter((value) => value.value.includes(MASK_MARK))
    .map((value) => spotOf(text, value, value.value));
}

/** A stretch of text to replace: its place and what goes there. */
type Replacement = { offset: number; length: number; with: string };

/** Applies non-overlapping replacements. */
function replaceAll(text: string, replacements: Replacement[]): string {
  let out = text;
  // From the end, so earlier offsets stay valid.
  for (const r of [...replacements].sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, r.offset) + r.with + out.slice(r.offset + r.length);
  }
  return out;
}
