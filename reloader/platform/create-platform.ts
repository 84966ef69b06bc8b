import type { Logger } from '../../shared/logger.js';
import type { ReloaderSettings } from '../settings.js';
import { createComposePlatform } from './compose/compose-platform.js';
import { connectDockerPort } from './compose/dockerode-port.js';
import { createNginxRotation } from './compose/nginx-rotation.js';
import type { HealthProbe } from './health-probe.js';
import type { Platform } from './platform.js';
import { connectSwarmPort } from './swarm/dockerode-swarm-port.js';
import { createSwarmPlatform } from './swarm/swarm-platform.js';

/** Connects to the platform RELOADER_PLATFORM names: compose (nginx rotation) or a Swarm stack. */
export async function createPlatform(settings: ReloaderSettings, probe: HealthProbe, logger: Logger): Promise<Platform> {
  if (settings.platform === 'swarm') {
    const port = await connectSwarmPort({
      stack: settings.project,
      serviceName: settings.swarmService,
      configTarget: settings.swarmConfigTarget,
      callTimeoutMs: settings.dockerTimeoutMs,
      logger,
    });
    return createSwarmPlatform({
      port,
      probe,
      logger,
      configPath: settings.configPath,
      taskTimeoutMs: settings.healthTimeoutMs,
      keepConfigs: settings.swarmKeepConfigs,
    });
  }
  const docker = await connectDockerPort({ project: settings.project, stopTimeoutS: settings.stopTimeoutS, callTimeoutMs: settings.dockerTimeoutMs, logger });
  const rotation = await createNginxRotation({
    docker,
    logger,
    rotationDir: settings.rotationDir,
    gatewayPort: settings.gatewayPort,
    statusPort: settings.nginxStatusPort,
    timeoutMs: settings.rotationTimeoutMs,
  });
  return createComposePlatform({ docker, probe, rotation, logger, stopTimeoutS: settings.stopTimeoutS });
}
