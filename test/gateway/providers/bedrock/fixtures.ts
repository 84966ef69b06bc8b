import { loadConfigBytes, type ProviderSettings } from '../../../../shared/config/index.js';
import type { UpstreamTarget } from '../../../../gateway/providers/types.js';
import { Cancellation, type CancelSignal } from '../../../../gateway/core/cancellation.js';

/** Test credentials (fake; the local Bedrock checks signatures against them). */
export const TEST_CREDS = {
  accessKey: 'AKIDEXAMPLETESTKEY01',
  secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-for-tests-0123456789',
  region: 'eu-west-3',
};

/** A bedrock provider as the config loader builds it, pointed at `baseUrl`. */
export function bedrockProvider(baseUrl: string, keyConfig: Record<string, unknown> = {}, value = ''): ProviderSettings {
  const { config } = loadConfigBytes(
    JSON.stringify({
      providers: {
        bedrock: {
          keys: [
            {
              name: 'test',
              value,
              models: ['*'],
              weight: 1,
              bedrock_key_config: {
                region: TEST_CREDS.region,
                access_key: TEST_CREDS.accessKey,
                secret_key: TEST_CREDS.secretKey,
                session_token: TEST_CREDS.sessionToken,
                ...keyConfig,
              },
            },
          ],
          network_config: { base_url: baseUrl },
        },
      },
    }),
    {},
  );
  const provider = config.providers.get('bedrock');
  if (!provider) throw new Error('no bedrock provider');
  return provider;
}

/** One attempt's target for `model` on `provider`. */
export function targetFor(provider: ProviderSettings, model: string, signal: CancelSignal = new Cancellation()): UpstreamTarget {
  return {
    provider,
    key: provider.keys[0],
    model,
    baseUrl: provider.baseUrlOverride ?? 'http://127.0.0.1:9',
    extraHeaders: {},
    clientHeaders: {},
    signal,
    timeoutMs: 10_000,
    requestId: 'test-request',
  };
}
