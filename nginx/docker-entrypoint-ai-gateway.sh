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
