import { GatewayError } from '../../core/errors.js';
import type { UpstreamTarget } from '../types.js';

/**
 * A provider's answer that parsed as JSON but lacks what the node reads from it. It is the
 * provider's bad answer (upstream_bad_response, 502: the next fallback gets the request), not
 * a TypeError answered as the node's own 500.
 */
export function unreadableAnswer(target: UpstreamTarget, problem: string): GatewayError {
  return new GatewayError('upstream_bad_response', `${target.provider.name} answered with a response the node cannot read: ${problem}`, {
    provider: target.provider.name,
    model: target.model,
  });
}
