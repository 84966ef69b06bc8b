import { GatewayError } from '../../core/errors.js';
import { loadOnFirstUse } from '../shared/load-on-first-use.js';
import type { UpstreamTarget } from '../types.js';
import { regionOf } from './endpoint.js';

// Loaded when a bedrock key is first signed for, not when the node boots.
const loadSigner = loadOnFirstUse(async () => {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
  return { SignatureV4, Sha256 };
});

/** The SigV4 service name Bedrock Runtime signs for. */
export const BEDROCK_SIGNING_SERVICE = 'bedrock';

/**
 * The headers that authenticate one Bedrock call. With `access_key` and `secret_key` in the
 * key's `bedrock_key_config` the request is signed with SigV4 (maintained AWS library, never
 * hand-rolled); otherwise the key's `value` is sent as a Bedrock API key (`Bearer`).
 * `body` must be the exact string that is sent, since its hash is part of the signature.
 */
export async function authenticateBedrockRequest(
  url: URL,
  body: string,
  headers: Record<string, string>,
  target: UpstreamTarget,
  now: Date = new Date(),
): Promise<Record<string, string>> {
  const key = target.key;
  const config = key?.bedrock;
  if (config?.access_key && config.secret_key) {
    const { SignatureV4, Sha256 } = await loadSigner();
    const signer = new SignatureV4({
      service: BEDROCK_SIGNING_SERVICE,
      region: regionOf(key),
      credentials: {
        accessKeyId: config.access_key,
        secretAccessKey: config.secret_key,
        ...(config.session_token ? { sessionToken: config.session_token } : {}),
      },
      sha256: Sha256,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        // The host header undici sends is url.host; it must be signed as such.
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: now },
    );
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== 'host') out[name] = String(value);
    }
    return out;
  }
  if (key && key.value !== '') return { ...headers, authorization: `Bearer ${key.value}` };
  throw new GatewayError('no_usable_key', 'bedrock key needs bedrock_key_config.access_key and secret_key, or an API key in value', {
    provider: target.provider.name,
    model: target.model,
  });
}
