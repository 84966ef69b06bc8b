/**
 * Credentials written into a URL: the password of `https://user:password@host` (or the whole
 * user part when it has no password, as in `https://TOKEN@host`), and query values whose names
 * say they hold one (`?key=...`, `?sig=...`, `?access_token=...`). A `base_url` pointing at a
 * proxy or a Gemini-style endpoint carries them; the reloader masks them where it shows a
 * config, and the node redacts them where upstream text leaves it.
 *
 * The text is read as written, not through `new URL()`, which would re-encode and normalise it:
 * a mask must sit exactly where the credential was, so the rest of the value stays as typed.
 */

/** Where one credential sits in the URL text. */
export interface UrlCredentialSpan {
  offset: number;
  length: number;
}

const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:\/\//i;
const USER_INFO = /^([a-z][a-z\d+.-]*:\/\/)([^/?#@\s]+)@/i;
const CREDENTIAL_PARAM = /auth|key|token|secret|sig|pass|pwd|credential|session/i;

/** True when an absolute URL text has a user part (`user:password@`, `token@`, even an empty `@`). */
export function hasUserInfo(text: string): boolean {
  return ABSOLUTE_URL.test(text) && /^[^/?#]*@/.test(text.replace(ABSOLUTE_URL, ''));
}

/** Every credential in a URL text, in order; none when the text is not an absolute URL. */
export function urlCredentialSpans(text: string): UrlCredentialSpan[] {
  if (!ABSOLUTE_URL.test(text)) return [];
  const spans: UrlCredentialSpan[] = [];
  const userInfo = USER_INFO.exec(text);
  if (userInfo?.[1] !== undefined && userInfo[2] !== undefined) {
    const start = userInfo[1].length;
    const colon = userInfo[2].indexOf(':');
    // `user:password@`: only the password; `token@`: the user part is the credential.
    if (colon === -1) spans.push({ offset: start, length: userInfo[2].length });
    else if (colon < userInfo[2].length - 1) spans.push({ offset: start + colon + 1, length: userInfo[2].length - colon - 1 });
  }
  const queryStart = text.indexOf('?');
  if (queryStart === -1) return spans;
  const hash = text.indexOf('#', queryStart);
  const queryEnd = hash === -1 ? text.length : hash;
  let cursor = queryStart + 1;
  while (cursor < queryEnd) {
    const ampersand = text.indexOf('&', cursor);
    const end = ampersand === -1 || ampersand > queryEnd ? queryEnd : ampersand;
    const equals = text.indexOf('=', cursor);
    if (equals !== -1 && equals < end && equals + 1 < end && CREDENTIAL_PARAM.test(text.slice(cursor, equals))) {
      spans.push({ offset: equals + 1, length: end - equals - 1 });
    }
    cursor = end + 1;
  }
  return spans;
}

/** The credentials of a URL text, as written (and decoded, when that differs). */
export function urlCredentials(text: string): string[] {
  const found: string[] = [];
  for (const span of urlCredentialSpans(text)) {
    const raw = text.slice(span.offset, span.offset + span.length);
    found.push(raw);
    const decoded = safeDecode(raw);
    if (decoded !== raw) found.push(decoded);
  }
  return found;
}

/** The URL text with each credential replaced by `mark`; the text unchanged when it holds none. */
export function maskUrlCredentials(text: string, mark: string): string {
  let out = text;
  // From the end, so earlier offsets stay valid.
  for (const span of urlCredentialSpans(text).reverse()) out = out.slice(0, span.offset) + mark + out.slice(span.offset + span.length);
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
