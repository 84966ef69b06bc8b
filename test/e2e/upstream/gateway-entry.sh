#!/bin/sh
# Test-only entrypoint of the gateway nodes (docker-compose.e2e.yml): runs the real node,
# unless the test asked, through the control directory, that nodes starting now fail. Such a
# node never serves, so Docker never reports it healthy: the reloader must stop its rollout.
if [ -f /e2e-control/fail-on-start ]; then
  echo "e2e: start failure injected: this node will never become healthy" >&2
  exec node -e "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);"
fi
exec node dist/gateway/main.js
