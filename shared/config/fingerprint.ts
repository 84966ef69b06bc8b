import { createHash } from 'node:crypto';

/**
 * The fingerprint of a config file: a hash of its exact bytes. Nodes report the fingerprint
 * of the file they loaded on /health, and the reloader computes the same over the file on
 * disk, so "this node runs the current file" is one string comparison.
 */
export function fingerprintOf(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A short form of a fingerprint for log lines ("sha256:1a2b3c4d5e6f"). */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 'sha256:'.length + 12);
}
