import { seededRandom } from './seeded-random.js';

/**
 * Realistic hand-edit breakages (quotes, commas, colons, braces and brackets deleted or typed,
 * a cut mid-value, pasted no-break spaces, a duplicated line, comments) of a config holding
 * literal secrets, from a seed, so a fuzz test checks the same cases on every run.
 */

/**
 * Literal secrets of the config below; any 6 consecutive characters of one in the output is a
 * leak. The Authorization header is `Bearer ` and this token: the scheme is no secret.
 */
const SECRETS = [
  'sk-proj-Q7fVxR2mLk9TzB4nWc8HsYd1',
  'sk-ant-api03-Jx4Pq9sLmV2bNc7Rt5Kw',
  'gw-tok-8Hq2Lz5Xv9Nc3Rb7Tm1K',
  'AKIAIOSFODNN7QZXWVUT',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYZQXWVUTKEY',
  'Tr0ub4dor&3hX',
];

const CONFIG = `{
  "$schema": "https://www.getbifrost.ai/schema",
  "client": { "drop_excess_requests": false, "allowed_origins": ["*"] },
  "providers": {
    "openai": {
      "keys": [
        { "name": "openai-primary", "value": "${SECRETS[0]}", "models": ["*"], "weight": 0.7 },
        { "name": "openai-secondary", "value": "env.OPENAI_API_KEY_2", "models": ["gpt-4o-mini"], "weight": 0.3 }
      ],
      "network_config": {
        "base_url": "https://api.openai.com/v1",
        "extra_headers": { "Authorization": "Bearer ${SECRETS[2]}", "X-Team": "blue" },
        "max_retries": 2
      }
    },
    "anthropic": {
      "keys": [{ "name": "claude", "value": "${SECRETS[1]}", "models": ["claude-3-5-sonnet"], "weight": 1 }]
    },
    "bedrock": {
      "keys": [
        {
          "name": "aws",
          "value": "",
          "models": ["*"],
          "weight": 1,
          "bedrock_key_config": { "access_key": "${SECRETS[3]}", "secret_key": "${SECRETS[4]}", "region": "us-east-1" }
        }
      ]
    }
  },
  "governance": { "auth_config": { "admin_username": "admin", "admin_password": "${SECRETS[5]}", "is_enabled": true } },
  "logs_store": { "enabled": true, "type": "postgres", "config": { "host": "postgres", "user": "gateway", "password": "env.POSTGRES_PASSWORD" } }
}
`;

type Edit = (text: string, random: () => number) => string;

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)] as T;
const anyOffset = (text: string, random: () => number): number => Math.floor(random() * (text.length + 1));
const insertAt = (text: string, at: number, what: string): string => text.slice(0, at) + what + text.slice(at);

/** Offsets of `char` in `text`. */
function offsetsOf(text: string, char: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) found.push(at);
  return found;
}

/** Deletes one occurrence of `char`, if any. */
const deleteOne =
  (char: string): Edit =>
  (text, random) => {
    const found = offsetsOf(text, char);
    if (found.length === 0) return text;
    const at = pick(found, random);
    return text.slice(0, at) + text.slice(at + 1);
  };

/** Types `what` somewhere (a stray key press, anywhere, values included). */
const insertAnywhere =
  (what: string): Edit =>
  (text, random) =>
    insertAt(text, anyOffset(text, random), what);

/** Swaps one occurrence of `from` for `to` (a quote retyped, a pasted no-break space). */
const replaceOne =
  (from: string, to: string): Edit =>
  (text, random) => {
    const found = offsetsOf(text, from);
    if (found.length === 0) return text;
    const at = pick(found, random);
    return text.slice(0, at) + to + text.slice(at + from.length);
  };

const lineStarts = (text: string): number[] => [0, ...offsetsOf(text, '\n').map((at) => at + 1)];

const EDITS: readonly Edit[] = [
  ...['"', ',', ':', '{', '}', '[', ']'].flatMap((char) => [deleteOne(char), insertAnywhere(char)]),
  insertAnywhere("'"),
  replaceOne('"', "'"),
  replaceOne(' ', '\u00a0'),
  insertAnywhere('\u00a0'),
  // Cut mid-value: an editor that saved half a paste.
  (text, random) => text.slice(0, anyOffset(text, random)),
  // A line duplicated (copy-paste of a key entry).
  (text, random) => {
    const starts = lineStarts(text);
    const index = Math.floor(random() * starts.length);
    const start = starts[index] as number;
    const end = starts[index + 1] ?? text.length;
    return text.slice(0, end) + text.slice(start, end) + text.slice(end);
  },
  // A line comment at a line's end, or an open one anywhere.
  (text, random) => {
    const ends = offsetsOf(text, '\n');
    return ends.length === 0 ? `${text} // note` : insertAt(text, pick(ends, random), ' // was here');
  },
  insertAnywhere('//'),
  insertAnywhere('/*'),
  insertAnywhere('*/'),
  // A block comment around a stretch (commenting out an entry).
  (text, random) => {
    const [from, to] = [anyOffset(text, random), anyOffset(text, random)].sort((a, b) => a - b) as [number, number];
    return `${text.slice(0, from)}/* ${text.slice(from, to)} */${text.slice(to)}`;
  },
];

/** CONFIG as it was before any breakage: the last valid version of the file a person then broke. */
export function intactConfig(): string {
  return CONFIG;
}

/** One to three breakages of CONFIG, from a seed. */
export function brokenConfig(seed: number): string {
  const random = seededRandom(seed);
  let text = CONFIG;
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) text = pick(EDITS, random)(text, random);
  return text;
}

/** The secret shown (6 or more of its characters in a row), if any. */
export function leakedSecret(masked: string): string | undefined {
  return SECRETS.find((secret) => {
    for (let at = 0; at + 6 <= secret.length; at++) if (masked.includes(secret.slice(at, at + 6))) return true;
    return false;
  });
}
