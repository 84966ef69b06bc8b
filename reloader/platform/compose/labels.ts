/** Compose's project label: the reloader manages containers of its own project only. */
export const PROJECT_LABEL = 'com.docker.compose.project';
/** The role label set by docker-compose.yml on the containers the reloader may act on. */
export const ROLE_LABEL = 'ai-gateway.role';
/** Compose's replica number, used to order nodes deterministically. */
export const CONTAINER_NUMBER_LABEL = 'com.docker.compose.container-number';

/** The roles the reloader acts on. */
export type Role = 'gateway' | 'load-balancer';

/**
 * True when a container carries BOTH the reloader's project label and the given role label.
 * Checked before every action, not only when listing: a socket proxy filters by API path
 * only, so this check is the one thing keeping the reloader off other containers.
 */
export function isManaged(labels: Readonly<Record<string, string>> | undefined, project: string, role: Role): boolean {
  if (!labels || project === '') return false;
  return labels[PROJECT_LABEL] === project && labels[ROLE_LABEL] === role;
}
