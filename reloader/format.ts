import { shortFingerprint } from '../shared/config/index.js';

/** A fingerprint shortened for log lines: `sha256:1a2b3c4d5e6f…`. */
export function shortFp(fingerprint: string): string {
  return `${shortFingerprint(fingerprint)}…`;
}
