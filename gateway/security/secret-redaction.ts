import type { RuntimeConfig } from '../../shared/config/index.js';
import { urlCredentials } from '../../shared/url-credentials.js';

/**
 * The node's one redaction of upstream-derived text. Every secret the node holds (provider
 * key values, the operator's extra header values, bedrock and vertex credentials) is
 * registered once from the config; `redactText` then replaces each of them, in every form an
 * upstream might echo it (as configured, any letter case, URL-encoded, JSON-escaped, base64),
 * wherever text from a provider leaves the node: JSON errors, stream error events and error
 * events relayed from native streams.
 *
 * The registry is process-wide and only grows: a node has one config, and in tests that run
 * several nodes in one process, redacting another node's secrets too is only safer.
 */

/** Secrets shorter than this are not redacted: they would mask ordinary words in messages. */
const MIN_SECRET_LENGTH = 8;

const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** Registers every secret of a config (idempotent). */
export function registerConfigSecrets(config: RuntimeConfig): void {
  for (const secret of configSecrets(config)) addSecret(secret);
}

/**
 * Every secret a config holds, once resolved: provider key values, the operator's extra header
 * values, credentials written into a base_url, bedrock credentials, vertex service-account JSON
 * with its private key (and the PEM's body lines, which an echo may carry without armour or line
 * breaks) and key id.
 */
export function configSecrets(config: RuntimeConfig): string[] {
  const found: string[] = [];
  const add = (secret: string | undefined): void => void (secret !== undefined && secret !== '' && found.push(secret));
  for (const provider of config.providers.values()) {
    for (const value of Object.values(provider.extraHeaders)) add(value);
    for (const credential of urlCredentials(provider.baseUrlOverride ?? '')) add(credential);
    for (const key of provider.keys) {
      add(key.value);
      add(key.bedrock?.access_key);
      add(key.bedrock?.secret_key);
      add(key.bedrock?.session_token);
      for (const part of vertexCredentialParts(key.vertex?.auth_credentials)) add(part);
    }
  }
  return found;
}

/** Registers one secret (tests; credentials obtained at run time, such as access tokens). */
export function addSecret(secret: string | undefined): void {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
  secrets.add(secret);
  pattern = undefined;
}

/** Replaces every registered secret in `text` by its Bifrost-style masked form. */
export function redactText(text: string): string {
  if (secrets.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
  pattern ??= buildPattern();
  return text.replace(pattern, maskSecret);
}

/** Bifrost's masked form of a secret: the first 4 and last 4 characters around asterisks. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  return secret.slice(0, 4) + '*'.repeat(Math.min(24, secret.length - 8)) + secret.slice(-4);
}

function vertexCredentialParts(json: string | undefined): string[] {
  if (json === undefined) return [];
  const parts = [json];
  try {
    const account = JSON.parse(json) as { private_key?: unknown; private_key_id?: unknown };
    if (typeof account.private_key === 'string') {
      parts.push(account.private_key);
      for (const line of account.private_key.split(/\r?\n/)) if (!line.startsWith('-----')) parts.push(line);
    }
    if (typeof account.private_key_id === 'string') parts.push(account.private_key_id);
  } catch {
    // Not JSON (a file path, say): the text itself is a secret.
  }
  return parts;
}

/** Every form of every secret, longest first so that a longer form wins over its prefix. */
function buildPattern(): RegExp {
  const forms = new Set<string>();
  for (const secret of secrets) {
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
    const base64 = Buffer.from(secret).toString('base64');
    forms.add(base64);
    forms.add(base64.replace(/=+$/, ''));
    forms.add(Buffer.from(secret).toString('base64url'));
  }
  const sorted = [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'gi');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
