#!/bin/sh
# Prepares nginx for the gateway cluster, then runs the command (nginx -g 'daemon off;').
# - writes the image-specific lines of nginx.conf (worker user, body size limit);
# - writes the default rotation files when absent, so the cluster serves before (or without)
#   the reloader: every replica of the `gateway` service, generation 0.
set -eu

ROTATION_DIR=${ROTATION_DIR:-/etc/nginx/rotation}
RUNTIME_DIR=/etc/nginx/runtime
BODY_SIZE=${NGINX_CLIENT_MAX_BODY_SIZE:-100m}
DEFAULT_UPSTREAM=${NGINX_DEFAULT_UPSTREAM:-gateway:8080}

case "$BODY_SIZE" in
  *[!0-9kKmMgG]*|'') echo "NGINX_CLIENT_MAX_BODY_SIZE must look like 100m, got '$BODY_SIZE'" >&2; exit 1 ;;
esac

worker_user=""
for candidate in nginx www-data nobody; do
  if id "$candidate" >/dev/null 2>&1; then worker_user=$candidate; break; fi
done
worker_group=$(id -gn "$worker_user")

mkdir -p "$RUNTIME_DIR"
if [ "$(id -u)" = 0 ]; then
  echo "user $worker_user $worker_group;" > "$RUNTIME_DIR/main.conf"
else
  : > "$RUNTIME_DIR/main.conf"
fi
echo "client_max_body_size $BODY_SIZE;" > "$RUNTIME_DIR/http.conf"

# Idle upstream connections kept per worker. Behind Swarm's VIP an idle kept-alive connection
# stays pinned to its task after the task left the VIP, and a request sent on it as the task
# closes it fails; with 0 every request opens a connection the VIP routes to a live task.
UPSTREAM_KEEPALIVE=${NGINX_UPSTREAM_KEEPALIVE:-64}
case "$UPSTREAM_KEEPALIVE" in
  *[!0-9]*|'') echo "NGINX_UPSTREAM_KEEPALIVE must be a number, got '$UPSTREAM_KEEPALIVE'" >&2; exit 1 ;;
esac
if [ "$UPSTREAM_KEEPALIVE" -gt 0 ]; then
  printf 'keepalive %s;\nkeepalive_timeout 60s;\nkeepalive_requests 10000;\n' "$UPSTREAM_KEEPALIVE" > "$RUNTIME_DIR/upstream.conf"
else
  : > "$RUNTIME_DIR/upstream.conf"
fi

# Where requests go. By default the `gateway_nodes` upstream (the reloader's rotation files).
# NGINX_UPSTREAM_RESOLVE=tasks.gateway:8080 (Swarm): resolve that name through Docker's DNS
# for each request (cached 1 s), since nginx 1.22 resolves upstream names only at start and
# Swarm replaces tasks, and their addresses, on every rollout. `tasks.<service>` names the
# healthy tasks themselves, so this does not rely on the VIP (IPVS) either.
if [ -n "${NGINX_UPSTREAM_RESOLVE:-}" ]; then
  case "$NGINX_UPSTREAM_RESOLVE" in
    *[!A-Za-z0-9.:_-]*) echo "NGINX_UPSTREAM_RESOLVE must look like tasks.gateway:8080, got '$NGINX_UPSTREAM_RESOLVE'" >&2; exit 1 ;;
  esac
  printf 'resolver %s valid=1s ipv6=off;\nresolver_timeout 2s;\nset $gateway_upstream %s;\nproxy_pass http://$gateway_upstream;\n' \
    "${NGINX_RESOLVER:-127.0.0.11}" "$NGINX_UPSTREAM_RESOLVE" > "$RUNTIME_DIR/proxy-pass.conf"
else
  echo 'proxy_pass http://gateway_nodes;' > "$RUNTIME_DIR/proxy-pass.conf"
fi

for d in client_body proxy fastcgi uwsgi scgi; do
  mkdir -p "/var/cache/ai-gateway-nginx/$d"
done
if [ "$(id -u)" = 0 ]; then
  chown -R "$worker_user:$worker_group" /var/cache/ai-gateway-nginx
fi

mkdir -p "$ROTATION_DIR"
owner=$(stat -c %u:%g "$ROTATION_DIR")
if [ ! -s "$ROTATION_DIR/servers.conf" ]; then
  tmp="$ROTATION_DIR/.servers.conf.$$"
  echo "server $DEFAULT_UPSTREAM max_fails=1 fail_timeout=2s;" > "$tmp"
  chmod 0644 "$tmp"; chown "$owner" "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$ROTATION_DIR/servers.conf"
fi
if [ ! -s "$ROTATION_DIR/generation.conf" ]; then
  tmp="$ROTATION_DIR/.generation.conf.$$"
  echo 'map "" $rotation_generation { default "0"; }' > "$tmp"
  chmod 0644 "$tmp"; chown "$owner" "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$ROTATION_DIR/generation.conf"
fi

exec "$@"
