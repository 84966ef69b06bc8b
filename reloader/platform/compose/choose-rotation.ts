import { isServing, sortNodes, type ObservedNode } from '../../rollout/node.js';
import type { RotationServer } from './render-rotation.js';

/**
 * The servers nginx should send to: every node that serves, minus one being restarted.
 * When no node passes the probe (a blip on a loaded host), the running ones are kept
 * rather than emptying the upstream.
 */
export function chooseRotation(nodes: readonly ObservedNode[], excludeId?: string): RotationServer[] {
  const candidates = sortNodes(nodes).filter((n) => n.id !== excludeId && n.ip !== null);
  let chosen = candidates.filter(isServing);
  if (chosen.length === 0) chosen = candidates.filter((n) => n.running);
  return chosen.map((n) => ({ name: n.name, ip: n.ip as string }));
}
