#!/bin/sh
# Replaces every gateway node with one created from the current compose definition (a new image,
# a changed .env, new settings), one node at a time, never below the usual node count:
#   1. compose creates ONE extra node from the new definition (`up --no-recreate --scale N+1`:
#      the existing nodes are left as they are);
#   2. once Docker says it is healthy and the reloader has put it in nginx's rotation,
#   3. one old node is stopped and removed: the reloader takes it out of rotation on Docker's
#      `kill` event, nginx re-sends what it refuses while draining (503, no work done) to
#      another node, and it finishes its in-flight requests before it exits.
# Works with Compose v2 and docker-compose 1.29. Arguments are compose's global options:
#   scripts/rolling-replace.sh -f docker-compose.yml -f docker-compose.socket-proxy.yml
# Environment: COMPOSE (default: `docker compose`, else `docker-compose`), SERVICE (gateway),
# RELOADER_URL (http://127.0.0.1:${RELOADER_PORT:-9090}), WAIT_S (300 per node).
set -eu

if [ -z "${COMPOSE:-}" ]; then
  if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE="docker-compose"; fi
fi
SERVICE=${SERVICE:-gateway}
RELOADER_URL=${RELOADER_URL:-http://127.0.0.1:${RELOADER_PORT:-9090}}
WAIT_S=${WAIT_S:-300}

compose() { $COMPOSE "$@"; }
say() { echo "rolling-replace: $*" >&2; }
status() { curl -fsS "$RELOADER_URL/status"; }

# Waits until `$1` (a shell test, re-evaluated) holds, or gives up after WAIT_S seconds.
wait_until() {
  what=$1; shift
  i=0
  until "$@"; do
    i=$((i + 1))
    if [ "$i" -ge "$WAIT_S" ]; then say "gave up waiting for $what after ${WAIT_S} s"; exit 1; fi
    sleep 1
  done
}
no_rollout_running() { status | grep -q '"current":null'; }
# The rotation lists servers as {"name":...,"ip":...}; the node list has more fields per node.
in_rotation() { status | grep -q "{\"name\":\"$1\",\"ip\":\""; }
healthy() { [ "$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1")" = healthy ]; }

old_ids=$(compose "$@" ps -q "$SERVICE")
count=$(echo "$old_ids" | grep -c . || true)
[ "$count" -gt 0 ] || { say "no running $SERVICE container"; exit 1; }
say "replacing $count node(s) one at a time"

for old in $old_ids; do
  wait_until "the running rollout to finish" no_rollout_running
  before=$(compose "$@" ps -q "$SERVICE")
  compose "$@" up -d --no-deps --no-recreate --scale "$SERVICE=$((count + 1))" "$SERVICE"
  new=$(compose "$@" ps -q "$SERVICE" | grep -v -F "$before" || true)
  [ -n "$new" ] || { say "compose created no new node"; exit 1; }
  name=$(docker inspect -f '{{.Name}}' "$new" | sed 's#^/##')
  say "created $name; waiting until it is healthy and in rotation"
  wait_until "$name to be healthy" healthy "$new"
  wait_until "$name to be in rotation" in_rotation "$name"
  old_name=$(docker inspect -f '{{.Name}}' "$old" | sed 's#^/##')
  # The reloader never starts a node someone else stopped, but a rollout that had already
  # begun on this very node would start it again: let it finish first.
  wait_until "the running rollout to finish" no_rollout_running
  say "retiring $old_name (drains, then exits)"
  docker stop "$old" >/dev/null
  if ! docker rm "$old" >/dev/null 2>&1; then
    say "$old_name was started again meanwhile; stopping it again"
    docker stop "$old" >/dev/null
    docker rm "$old" >/dev/null
  fi
done
say "done: every $SERVICE node runs the current definition"
