import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A stand-in for Google's OAuth2 token endpoint (`oauth2.googleapis.com/token`): takes the
 * JWT-bearer grant a service account sends, checks the assertion's RS256 signature against
 * the account's public key and its claims, and issues short opaque access tokens.
 */

/** A throwaway service account: its key-file JSON and public key. */
export interface TestServiceAccount {
  clientEmail: string;
  /** The key file's JSON text, as `vertex_key_config.auth_credentials` holds it. */
  json: string;
  publicKey: KeyObject;
}

/** Creates a service-account key file whose `token_uri` is `tokenUri`, with a fresh RSA key. */
export function createTestServiceAccount(tokenUri: string, clientEmail = 'gateway-test@test-project.iam.gserviceaccount.com'): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'test-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: '1234567890',
    token_uri: tokenUri,
  });
  return { clientEmail, json, publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })) };
}

/** A running token endpoint. */
export interface GoogleTokenEndpoint {
  /** The full token URL (put it in the key file's `token_uri`). */
  url: string;
  /** Successful exchanges so far. */
  exchanges: number;
  /** Tokens issued so far. */
  issued: Set<string>;
  /** Claims of the last accepted assertion. */
  lastClaims: Record<string, unknown> | undefined;
  /** Accepts assertions signed by this account from now on. */
  trust(account: TestServiceAccount): void;
  close(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1 at `/token`. */
export async function startGoogleTokenEndpoint(): Promise<GoogleTokenEndpoint> {
  const trusted = new Map<string, KeyObject>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const deny = (error: string, description: string): void => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error, error_description: description }));
      };
      if (req.method !== 'POST' || req.url !== '/token') return deny('invalid_request', 'POST /token only');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return deny('unsupported_grant_type', 'expected the JWT bearer grant');
      const claims = checkAssertion(form.get('assertion') ?? '', trusted, endpoint.url);
      if (typeof claims === 'string') return deny('invalid_grant', claims);
      endpoint.exchanges++;
      endpoint.lastClaims = claims;
      const token = `ya29.test-token-${endpoint.exchanges}`;
      endpoint.issued.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
    });
  });
  const listener = await listenOnLoopback(server);
  const endpoint: GoogleTokenEndpoint = {
    url: `${listener.origin}/token`,
    exchanges: 0,
    issued: new Set(),
    lastClaims: undefined,
    trust: (account) => trusted.set(account.clientEmail, account.publicKey),
    close: listener.close,
  };
  return endpoint;
}

// Returns the claims, or why the assertion is refused.
function checkAssertion(assertion: string, trusted: Map<string, KeyObject>, audience: string): Record<string, unknown> | string {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || !signature) return 'assertion is not a JWT';
  const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
  if (head.alg !== 'RS256') return `unexpected alg ${String(head.alg)}`;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const key = trusted.get(String(claims.iss));
  if (!key) return `unknown issuer ${String(claims.iss)}`;
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return 'bad signature';
  if (claims.aud !== audience) return `audience ${String(claims.aud)} is not ${audience}`;
  if (
    !String(claims.scope ?? '')
      .split(' ')
      .includes('https://www.googleapis.com/auth/cloud-platform')
  )
    return 'missing cloud-platform scope';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'assertion expired';
  return claims;
}
