import type { ProviderKey } from '../../../shared/config/index.js';
import { GatewayError } from '../../core/errors.js';
import type { GeminiMethod } from '../gemini/endpoint.js';
import type { UpstreamTarget } from '../types.js';
import { getVertexAccessToken } from './auth.js';

/** Vertex AI's regional origin (`https://{region}-aiplatform.googleapis.com`; `global` has no prefix). */
export function vertexDefaultBaseUrl(key: ProviderKey | undefined): string | undefined {
  const region = key?.vertex?.region;
  if (!region) return undefined;
  return region === 'global' ? 'https://aiplatform.googleapis.com' : `https://${region}-aiplatform.googleapis.com`;
}

/**
 * `{base}/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:{method}`.
 * A base_url override replaces only the origin; the path stays Vertex's.
 */
export function vertexUrl(target: UpstreamTarget, method: GeminiMethod | 'predict'): string {
  const config = target.key?.vertex;
  if (!config) {
    throw new GatewayError('no_usable_key', `key "${target.key?.name ?? ''}" of ${target.provider.name} has no vertex_key_config`, {
      provider: target.provider.name,
      model: target.model,
    });
  }
  const project = encodeURIComponent(config.project_id);
  const region = encodeURIComponent(config.region);
  const model = encodeURIComponent(target.model);
  const url = `${target.baseUrl}/v1/projects/${project}/locations/${region}/publishers/google/models/${model}:${method}`;
  return method === 'streamGenerateContent' ? `${url}?alt=sse` : url;
}

/** `Authorization: Bearer <token>` from the key's service account (cached token). */
export async function vertexHeaders(target: UpstreamTarget): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await getVertexAccessToken(target)}` };
}
