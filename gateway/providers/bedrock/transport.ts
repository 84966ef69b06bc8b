import { GatewayError } from '../../core/errors.js';
import { readUpstreamText, sendUpstream, type UpstreamResponse } from '../shared/upstream-http.js';
import type { UpstreamTarget } from '../types.js';
import { buildBedrockUrl, type BedrockOperation } from './endpoint.js';
import { nameBedrockError, readBedrockErrorBody } from './errors.js';
import { authenticateBedrockRequest } from './sign.js';

/** Content type of ConverseStream's binary answer. */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/**
 * Sends one signed Bedrock call and resolves with the 2xx response (body unread); a non-2xx
 * answer becomes a GatewayError with Bedrock's status and exception name.
 */
export async function callBedrock(target: UpstreamTarget, operation: BedrockOperation, body: unknown, modelId?: string): Promise<UpstreamResponse> {
  const url = buildBedrockUrl(target, operation, modelId);
  const payload = JSON.stringify(body);
  const streaming = operation === 'converse-stream';
  const headers = await authenticateBedrockRequest(
    url,
    payload,
    { 'content-type': 'application/json', accept: streaming ? EVENT_STREAM_CONTENT_TYPE : 'application/json' },
    target,
  );
  try {
    return await sendUpstream(
      { url: url.toString(), headers, body: payload, streamContentType: streaming ? EVENT_STREAM_CONTENT_TYPE : undefined },
      target,
      readBedrockErrorBody,
    );
  } catch (error) {
    throw nameBedrockError(error);
  }
}

/**
 * Reads a 2xx JSON body. A failed read throws as the shared client's does (readUpstreamText
 * classifies it): a stalled body is upstream_timeout, a client gone is client_closed.
 */
export async function readJsonBody<T>(response: UpstreamResponse, target: UpstreamTarget): Promise<T> {
  const text = await readUpstreamText(response.body, target);
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new GatewayError('upstream_bad_response', `${target.provider.name} returned a response that is not JSON`, {
      provider: target.provider.name,
      model: target.model,
      cause,
    });
  }
}

/** The `x-amzn-requestid` Bedrock answered with, if any. */
export function awsRequestIdOf(response: UpstreamResponse): string | undefined {
  const value = response.headers['x-amzn-requestid'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
