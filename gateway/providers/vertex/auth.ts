import { createHash } from 'node:crypto';
import type { JWT } from 'google-auth-library';
import { GatewayError } from '../../core/errors.js';
import { loadOnFirstUse } from '../shared/load-on-first-use.js';
import type { UpstreamTarget } from '../types.js';

// About 50 modules: loaded when a vertex key is first used, not when the node boots.
const loadGoogleAuth = loadOnFirstUse(() => import('google-auth-library'));

/** The OAuth2 scope Vertex AI accepts. */
export const VERTEX_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

// google-auth-library 10 posts the JWT grant to this URL whatever the key file says.
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Something that yields a bearer token, cached and refreshed by google-auth-library. */
interface TokenSource {
  getAccessToken(): Promise<{ token?: string | null }>;
}

/** The fields of a service-account key file the node reads. */
interface ServiceAccountKey {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

// One client per distinct credential (keyed by a hash, so no secret sits in a map key):
// each caches its token until shortly before expiry, so requests share one exchange. The
// map holds the client being created, so concurrent first requests share it too.
const sources = new Map<string, Promise<TokenSource>>();

/**
 * A bearer token for Vertex AI from the key's `vertex_key_config.auth_credentials`: a
 * service-account JSON (signed JWT grant through google-auth-library, honouring its
 * `token_uri`), or Application Default Credentials when the field is empty.
 */
export async function getVertexAccessToken(target: UpstreamTarget): Promise<string> {
  const credentials = target.key?.vertex?.auth_credentials ?? '';
  const cacheKey = createHash('sha256').update(credentials).digest('hex');
  let source = sources.get(cacheKey);
  if (!source) {
    source = credentials.trim() === '' ? createDefaultSource() : createJwtClient(credentials, target);
    sources.set(cacheKey, source);
  }
  try {
    const { token } = await (await source).getAccessToken();
    if (!token) throw new Error('the token endpoint returned no access_token');
    return token;
  } catch (cause) {
    // A failed exchange must not stay cached as a broken client.
    sources.delete(cacheKey);
    throw toTokenError(cause, target);
  }
}

/** Forgets cached clients and tokens (tests start from a clean slate). */
export function clearVertexTokenCache(): void {
  sources.clear();
}

async function createDefaultSource(): Promise<TokenSource> {
  const { GoogleAuth } = await loadGoogleAuth();
  const auth = new GoogleAuth({ scopes: [VERTEX_SCOPE] });
  return { getAccessToken: async () => ({ token: await auth.getAccessToken() }) };
}

async function createJwtClient(credentials: string, target: UpstreamTarget): Promise<JWT> {
  let key: ServiceAccountKey;
  try {
    key = JSON.parse(credentials) as ServiceAccountKey;
  } catch {
    throw keyError(target, 'vertex_key_config.auth_credentials is not valid JSON (expected a service-account key file)');
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw keyError(target, 'vertex_key_config.auth_credentials needs client_email and private_key (a service-account key)');
  }
  const tokenUri = typeof key.token_uri === 'string' && key.token_uri !== '' ? key.token_uri : GOOGLE_TOKEN_URL;
  const { JWT } = await loadGoogleAuth();
  const client = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
    scopes: [VERTEX_SCOPE],
    // The assertion's audience must be the endpoint that receives it.
    ...(tokenUri !== GOOGLE_TOKEN_URL ? { additionalClaims: { aud: tokenUri } } : {}),
  });
  if (tokenUri !== GOOGLE_TOKEN_URL) {
    // Sends the grant to the key file's token_uri (private deployments, tests), which the
    // library would otherwise ignore.
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
        return options;
      },
    });
  }
  return client;
}

function keyError(target: UpstreamTarget, message: string): GatewayError {
  return new GatewayError('no_usable_key', `${message} (key "${target.key?.name ?? ''}")`, {
    provider: target.provider.name,
    model: target.model,
  });
}

function toTokenError(cause: unknown, target: UpstreamTarget): GatewayError {
  if (cause instanceof GatewayError) return cause;
  const provider = target.provider.name;
  const model = target.model;
  const status = (cause as { response?: { status?: number } }).response?.status;
  const detail = (cause as { response?: { data?: { error?: unknown; error_description?: unknown } } }).response?.data;
  if (typeof status === 'number') {
    const reason = [detail?.error, detail?.error_description].filter((part) => typeof part === 'string').join(': ');
    return new GatewayError('upstream_error', `vertex token exchange failed (HTTP ${status})${reason ? `: ${reason}` : ''}`, {
      status: status === 400 || status === 401 || status === 403 ? 401 : 502,
      type: 'authentication_error',
      provider,
      model,
      fromProvider: true,
      retryable: status >= 500 || status === 429,
      cause,
    });
  }
  return new GatewayError('upstream_unreachable', `vertex token exchange failed: ${(cause as Error).message ?? 'unknown error'}`, {
    provider,
    model,
    retryable: true,
    cause,
  });
}
