import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** One line of a self-time ranking. */
export interface HotSpot {
  name: string;
  selfMs: number;
  share: number;
}

function shortUrl(url: string): string {
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules !== -1) return url.slice(inModules + 'node_modules/'.length);
  const inDist = url.indexOf('/dist/');
  if (inDist !== -1) return url.slice(inDist + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

function packageOf(url: string): string {
  if (url === '') return '(native / GC / idle)';
  if (url.startsWith('node:')) return 'node core';
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules === -1) return url.includes('/dist/') ? 'our code (dist/)' : shortUrl(url);
  const rest = url.slice(inModules + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
}

function rank(totals: Map<string, number>, totalMs: number, limit: number): HotSpot[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / totalMs }));
}

function keyOf(frame: ProfileNode['callFrame']): string {
  return `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/** Inclusive (self + callees) time of each function of our own code (dist/), once per call path. */
function rankInclusiveOwn(profile: CpuProfile, sampleMs: number, busyMs: number, limit: number): HotSpot[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const inclusive = new Map<number, number>();
  const totalOf = (node: ProfileNode): number => {
    const known = inclusive.get(node.id);
    if (known !== undefined) return known;
    let sum = node.callFrame.functionName === '(idle)' ? 0 : (node.hitCount ?? 0) * sampleMs;
    for (const child of node.children ?? []) {
      const childNode = byId.get(child);
      if (childNode) sum += totalOf(childNode);
    }
    inclusive.set(node.id, sum);
    return sum;
  };
  const totals = new Map<string, number>();
  const walk = (node: ProfileNode, onStack: Set<string>): void => {
    const key = keyOf(node.callFrame);
    const own = node.callFrame.url.includes('/dist/');
    // Count a function once per path, at its outermost frame, so recursion is not counted twice.
    if (own && !onStack.has(key)) totals.set(key, (totals.get(key) ?? 0) + totalOf(node));
    const next = own ? new Set(onStack).add(key) : onStack;
    for (const child of node.children ?? []) {
      const childNode = byId.get(child);
      if (childNode) walk(childNode, next);
    }
  };
  const root = profile.nodes[0];
  if (root) walk(root, new Set());
  return rank(totals, busyMs, limit);
}

/** Ranks functions and packages by self time in a V8 .cpuprofile (idle time excluded), plus our functions by inclusive time. */
export function summarizeProfile(path: string, limit = 25): { busyMs: number; functions: HotSpot[]; packages: HotSpot[]; ownInclusive: HotSpot[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const selfMs = (node.hitCount ?? 0) * sampleMs;
    if (selfMs === 0 || node.callFrame.functionName === '(idle)') continue;
    busyMs += selfMs;
    const frame = node.callFrame;
    const key = keyOf(frame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + selfMs);
    const pkg = packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + selfMs);
  }
  return {
    busyMs,
    functions: rank(byFunction, busyMs, limit),
    packages: rank(byPackage, busyMs, limit),
    ownInclusive: rankInclusiveOwn(profile, sampleMs, busyMs, limit),
  };
}
