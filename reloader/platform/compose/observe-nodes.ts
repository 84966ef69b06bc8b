import type { ContainerInfo, DockerPort } from './docker-port.js';
import type { HealthProbe } from '../health-probe.js';
import type { ObservedNode } from '../../rollout/node.js';

/**
 * Picks the address the load balancer reaches a container at: the IP on a network the
 * load balancer is also on (sorted by name for determinism), else the first network's.
 */
export function pickIp(container: ContainerInfo, lbNetworks: readonly string[]): string | null {
  const names = Object.keys(container.networks).sort();
  const shared = names.find((name) => lbNetworks.includes(name));
  const chosen = shared ?? names[0];
  return chosen === undefined ? null : (container.networks[chosen] ?? null);
}

/** Lists the gateway containers and asks each running one for its /health. */
export async function observeNodes(docker: DockerPort, probe: HealthProbe): Promise<ObservedNode[]> {
  const [gateways, balancers] = await Promise.all([docker.listManaged('gateway'), docker.listManaged('load-balancer')]);
  const lbNetworks = balancers.flatMap((lb) => Object.keys(lb.networks));
  return Promise.all(gateways.map((container) => observeContainer(container, lbNetworks, probe)));
}

/** Observes one gateway container (fresh inspect), or undefined when it is gone. */
export async function observeNode(docker: DockerPort, probe: HealthProbe, id: string): Promise<ObservedNode | undefined> {
  const [container, balancers] = await Promise.all([docker.inspect(id, 'gateway'), docker.listManaged('load-balancer')]);
  if (!container) return undefined;
  return observeContainer(
    container,
    balancers.flatMap((lb) => Object.keys(lb.networks)),
    probe,
  );
}

async function observeContainer(container: ContainerInfo, lbNetworks: readonly string[], probe: HealthProbe): Promise<ObservedNode> {
  const running = container.state === 'running';
  const ip = running ? pickIp(container, lbNetworks) : null;
  const health = ip === null ? { reachable: false } : await probe.probe(ip);
  return { id: container.id, name: container.name, number: container.number, running, dockerHealth: container.health, ip, health };
}
