import type { ProviderKey } from '../../../shared/config/index.js';
import { GatewayError } from '../../core/errors.js';
import type { UpstreamTarget } from '../types.js';

/** Region used when a key's `bedrock_key_config` names none. */
export const DEFAULT_BEDROCK_REGION = 'us-east-1';

/** The Bedrock operations the node calls. */
export type BedrockOperation = 'converse' | 'converse-stream' | 'invoke';

/** The AWS region a key signs for. */
export function regionOf(key: ProviderKey | undefined): string {
  const region = key?.bedrock?.region?.trim();
  return region ? region : DEFAULT_BEDROCK_REGION;
}

/** Bedrock Runtime's public origin for a region. */
export function bedrockRuntimeOrigin(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/**
 * The model id (or inference profile / ARN) to put in the URL: the key's
 * `bedrock_key_config.deployments[model]` when mapped, else the model name itself.
 */
export function resolveModelId(target: UpstreamTarget): string {
  const mapped = target.key?.bedrock?.deployments?.[target.model];
  return typeof mapped === 'string' && mapped !== '' ? mapped : target.model;
}

/**
 * `{base}/model/{modelId}/{operation}`. The model id is percent-encoded as one path segment
 * (ids contain `:`, ARNs contain `/`), exactly as the AWS SDKs send it; SigV4 then signs the
 * encoded path.
 */
export function buildBedrockUrl(target: UpstreamTarget, operation: BedrockOperation, modelId = resolveModelId(target)): URL {
  if (modelId === '') {
    throw new GatewayError('invalid_request', 'bedrock needs a model id, e.g. bedrock/anthropic.claude-3-haiku-20240307-v1:0', {
      provider: target.provider.name,
    });
  }
  return new URL(`${target.baseUrl}/model/${encodeURIComponent(modelId)}/${operation}`);
}
