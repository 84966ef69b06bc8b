#!/bin/sh
# Test-only entrypoint of the gateway nodes (docker-compose.e2e.yml, docker-stack.e2e.yml): runs
# the real node, unless the test asked, through the control directory, that nodes starting now
# fail. Such a node never serves, so Docker never reports it healthy: the reloader must stop
# its rollout. When the control file reads "config-contains:<text>", only nodes whose
# config.json contains <text> fail: a Swarm rollback's replacement tasks, on the old config,
# must start normally.
if [ -f /e2e-control/fail-on-start ]; then
  request=$(cat /e2e-control/fail-on-start)
  case "$request" in
    config-contains:*) grep -qF -- "${request#config-contains:}" "${CONFIG_PATH:-/config/config.json}" && fail=yes ;;
    *) fail=yes ;;
  esac
  if [ "$fail" = yes ]; then
    echo "e2e: start failure injected: this node will never become healthy" >&2
    exec node -e "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);"
  fi
fi
exec node dist/gateway/main.js
