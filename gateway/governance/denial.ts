import { GatewayError } from '../core/errors.js';
import type { CounterCheck } from './hierarchy.js';
import type { CounterReading } from './store/counter-store.js';

/**
 * The error for a counter that refused a request, in Bifrost's words ("token limit exceeded
 * (1500/1000, resets every 1h)", "budget exceeded: 105.5000 >= 100.0000 dollars"), with the
 * seconds until its window ends as Retry-After.
 */
export function denialError(check: CounterCheck, reading: CounterReading, nowMs: number): GatewayError {
  // Whole seconds, at least one: Retry-After is sent in seconds.
  const retryAfterMs = Math.max(1, Math.ceil((reading.windowEndMs - nowMs) / 1000)) * 1000;
  const where = `${check.scopeKind === 'budget' ? 'budget' : 'rate limit'} ${check.scopeId} of ${check.level.replace('_', ' ')} ${check.levelId}`;
  const options = { retryAfterMs };
  switch (check.limitKind) {
    case 'requests':
      return new GatewayError('request_limited', `request limit exceeded (${reading.used}/${check.max}, resets every ${check.windowText}; ${where})`, options);
    case 'tokens':
      return new GatewayError('token_limited', `token limit exceeded (${reading.used}/${check.max}, resets every ${check.windowText}; ${where})`, options);
    case 'cost_usd':
      return new GatewayError(
        'budget_exceeded',
        `budget exceeded: ${reading.used.toFixed(4)} >= ${check.max.toFixed(4)} dollars (resets every ${check.windowText}; ${where})`,
        options,
      );
  }
}
