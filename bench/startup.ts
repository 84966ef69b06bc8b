import { startGatewayNode } from './targets/gateway-node.js';

/**
 * Times a gateway node's start, `samples` times one after another on the idle box: from the
 * spawn to its first /health 200 (polled every 5 ms). It is the part of each node's step in a
 * rollout that the node's own code decides.
 */
export async function measureStartupMs(upstreamPort: number, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample += 1) {
    const began = performance.now();
    const node = await startGatewayNode({ upstreamPort, name: 'gateway-startup', readyPollMs: 5 });
    times.push(performance.now() - began);
    await node.child?.stop();
  }
  return times;
}
