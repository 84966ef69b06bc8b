import type { ConfigEvaluation } from '../config/evaluate.js';

/**
 * Why no rollout may start now because of the file itself: invalid or missing, a node started
 * now would load it. Undefined when the file as last read is valid (or not read yet: the pass
 * has nothing to roll to then anyway). A rollout is then not opened at all, so waiting out a
 * broken file leaves the last real rollout on record, and the counters and the log quiet.
 */
export function fileWaitReason(config: ConfigEvaluation | undefined): string | undefined {
  if (config === undefined || config.kind === 'valid') return undefined;
  if (config.kind === 'missing') return `the config file cannot be read (${config.error}): no node is restarted until it is back and valid`;
  return `the config file is invalid (${config.issues.length} issue(s)): no node is restarted until it is valid`;
}
