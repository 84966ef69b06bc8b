/**
 * Failed-login lockout per client IP: after `maxFailures` wrong credentials within `windowMs`,
 * the IP is locked for `lockMs`, during which even correct credentials are refused (so
 * guessing on gains nothing). The table holds at most `maxEntries` IPs: expired entries go
 * first, then the least recently touched, so a flood of addresses cannot grow memory.
 */
export interface LoginLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  lockMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** What a failure led to: `locked` the first time the IP crosses the limit. */
export type FailureOutcome = { kind: 'counted'; failures: number } | { kind: 'locked'; retryAfterS: number };

/** Counts failed logins per IP and tells when one is locked out. */
export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: LoginLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.lockMs = options.lockMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `ip` may try again, or 0 when it is not locked. */
  retryAfterS(ip: string): number {
    const entry = this.entries.get(ip);
    if (!entry) return 0;
    const left = entry.lockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts one wrong login from `ip`. */
  recordFailure(ip: string): FailureOutcome {
    const now = this.now();
    let entry = this.entries.get(ip);
    if (!entry || now - entry.windowStart >= this.windowMs) entry = { failures: 0, windowStart: now, lockedUntil: 0 };
    entry.failures += 1;
    // Re-inserted so that Map order is least recently touched first (eviction order).
    this.entries.delete(ip);
    this.entries.set(ip, entry);
    this.evictIfFull(now);
    if (entry.failures >= this.maxFailures) {
      entry.lockedUntil = now + this.lockMs;
      // The next failure after the lock starts a fresh window.
      entry.windowStart = now + this.lockMs - this.windowMs;
      entry.failures = 0;
      return { kind: 'locked', retryAfterS: Math.ceil(this.lockMs / 1000) };
    }
    return { kind: 'counted', failures: entry.failures };
  }

  /** A correct login outside a lockout clears the IP's count (a typo now and then never adds up). */
  recordSuccess(ip: string): void {
    this.entries.delete(ip);
  }

  /** How many IPs the table holds (for tests and the bound). */
  get size(): number {
    return this.entries.size;
  }

  private evictIfFull(now: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [ip, entry] of this.entries) {
      if (entry.lockedUntil <= now && now - entry.windowStart >= this.windowMs) this.entries.delete(ip);
    }
    for (const ip of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(ip);
    }
  }
}
