#!/bin/sh
# Provisions a Docker engine for the end-to-end tier on a Debian host (as root, as in CI):
# installs docker.io and docker-compose from Debian's archive when missing, starts dockerd in
# the background when no engine answers, and waits until it does. Idempotent: on a machine
# where an engine already runs it only checks that it answers.
set -eu

DOCKER=/usr/bin/docker
WAIT_S=${DOCKER_WAIT_S:-60}
LOG=${DOCKERD_LOG:-/var/log/ai-gateway-dockerd.log}

engine_answers() {
  [ -x "$DOCKER" ] && "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if engine_answers && command -v docker-compose >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1; then
  echo "provision-docker: engine $("$DOCKER" version --format '{{.Server.Version}}') already running"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "provision-docker: no Docker engine answers and this is not root: cannot provision" >&2
  exit 1
fi

missing=""
[ -x "$DOCKER" ] || missing="$missing docker.io"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
# The e2e harness builds its base images from a debootstrap'ed Debian (no registry here).
command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
if [ -n "$missing" ]; then
  echo "provision-docker: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing ca-certificates iptables
fi

if ! engine_answers; then
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "provision-docker: starting dockerd (log: $LOG)"
    # dockerd starts its own containerd when none runs.
    nohup dockerd >>"$LOG" 2>&1 &
  fi
  i=0
  until engine_answers; do
    i=$((i + 1))
    if [ "$i" -ge "$WAIT_S" ]; then
      echo "provision-docker: dockerd did not answer within ${WAIT_S}s; last log lines:" >&2
      tail -n 30 "$LOG" >&2 || true
      exit 1
    fi
    sleep 1
  done
fi
echo "provision-docker: engine $("$DOCKER" version --format '{{.Server.Version}}') ready"
