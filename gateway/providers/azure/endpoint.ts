import type { ProviderKey } from '../../../shared/config/index.js';
import { GatewayError } from '../../core/errors.js';
import type { UpstreamTarget } from '../types.js';

/** API version used when a key's `azure_key_config.api_version` is unset (latest GA data plane). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** The Azure OpenAI operations the node calls, by path under the deployment. */
export type AzureOperation = 'chat/completions' | 'completions' | 'embeddings';

/** The resource endpoint of a key (`https://<resource>.openai.azure.com`), without trailing slash. */
export function azureEndpointOf(key: ProviderKey | undefined): string | undefined {
  const endpoint = key?.azure?.endpoint?.trim();
  return endpoint ? endpoint.replace(/\/+$/, '') : undefined;
}

/**
 * The deployment serving `target.model`: `azure_key_config.deployments[model]`, else
 * `aliases[model]`, else the model name itself (deployments are often named after models).
 */
export function deploymentFor(target: UpstreamTarget): string {
  const config = target.key?.azure;
  const mapped = config?.deployments?.[target.model] ?? config?.aliases?.[target.model];
  return typeof mapped === 'string' && mapped !== '' ? mapped : target.model;
}

/**
 * `{base}/openai/deployments/{deployment}/{operation}?api-version={version}`; with
 * `api_version: "v1"`, Azure's versionless v1 API `{base}/openai/v1/{operation}` (the
 * deployment then goes in the body's `model`, see `modelForBody`).
 */
export function azureUrlFor(target: UpstreamTarget, operation: AzureOperation): string {
  if (!target.key?.azure) {
    throw new GatewayError('no_usable_key', 'azure keys need azure_key_config { endpoint, api_version, deployments }', {
      provider: target.provider.name,
      model: target.model,
    });
  }
  const version = target.key.azure.api_version?.trim() || DEFAULT_AZURE_API_VERSION;
  if (version === 'v1') return `${target.baseUrl}/openai/v1/${operation}`;
  const deployment = encodeURIComponent(deploymentFor(target));
  return `${target.baseUrl}/openai/deployments/${deployment}/${operation}?api-version=${encodeURIComponent(version)}`;
}

/** The body's `model`: the deployment for the v1 API (which routes by it), else the model name. */
export function modelForBody(target: UpstreamTarget): string {
  return target.key?.azure?.api_version?.trim() === 'v1' ? deploymentFor(target) : target.model;
}

/** Azure OpenAI's key header. */
export function azureAuthHeaders(target: UpstreamTarget): Record<string, string> {
  const value = target.key?.value ?? '';
  if (value === '') {
    throw new GatewayError('no_usable_key', 'azure key has no value (the api-key)', { provider: target.provider.name, model: target.model });
  }
  return { 'api-key': value };
}
