import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from './run-command.js';

/**
 * A local stand-in for the official `postgres` image: Debian's postgresql package on the
 * debootstrap base, with an entrypoint that honours the official image's variables
 * (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, POSTGRES_INITDB_ARGS, PGDATA) on the first
 * start. Enough for postgres/Dockerfile and the compose health check, nothing more.
 */
export async function buildPostgresImage(debian: string, tag: string, context: string, log: (line: string) => void): Promise<void> {
  mkdirSync(context, { recursive: true });
  writeFileSync(join(context, 'docker-entrypoint.sh'), ENTRYPOINT, { mode: 0o755 });
  writeFileSync(
    join(context, 'Dockerfile'),
    [
      `FROM ${debian}`,
      // No cluster of the package's own: the entrypoint makes one in PGDATA.
      'RUN mkdir -p /etc/postgresql-common/createcluster.d \\',
      " && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main-cluster.conf \\",
      ' && apt-get update -q \\',
      ' && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql \\',
      ' && rm -rf /var/lib/apt/lists/* \\',
      ' && ln -s "$(ls -d /usr/lib/postgresql/*/bin | tail -1)" /usr/local/lib/postgresql-bin',
      'ENV PATH=/usr/local/lib/postgresql-bin:$PATH PGDATA=/var/lib/postgresql/data',
      'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh',
      'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
      'STOPSIGNAL SIGINT',
      'EXPOSE 5432',
      '',
    ].join('\n'),
  );
  log(`building ${tag} (Debian's postgresql)`);
  await docker(['build', '-q', '-t', tag, context]);
}

const ENTRYPOINT = `#!/bin/sh
# First start: initdb with the official image's variables; then run the server as postgres.
set -eu
PGDATA="\${PGDATA:-/var/lib/postgresql/data}"
USER_NAME="\${POSTGRES_USER:-postgres}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s' "\${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > "$pwfile"
  chown postgres "$pwfile"
  # shellcheck disable=SC2086
  as_postgres initdb -D "$PGDATA" -U "$USER_NAME" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ -n "\${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != "postgres" ]; then
    echo "CREATE DATABASE \\"$POSTGRES_DB\\";" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA"
`;
