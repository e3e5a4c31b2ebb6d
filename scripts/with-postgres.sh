#!/usr/bin/env bash
# Run a command beside a throwaway PostgreSQL server:
#
#     scripts/with-postgres.sh .venv/bin/pytest -q
#
# Installs Debian's `postgresql` when no server binaries are found (as root, with apt-get), creates
# a cluster in a temporary folder owned by a non-root user (PostgreSQL refuses to run as root),
# starts it on 127.0.0.1 on a free port with password authentication, creates the database
# `qualcode_test`, then runs the command with
#
#     QUALCODE_TEST_DB_URL=postgresql+psycopg://qualcode@127.0.0.1:PORT/qualcode_test
#     PGPASSFILE=<a 0600 file holding the generated password>
#
# The password is never printed nor put in the URL: libpq (psycopg, pg_dump) reads it from
# PGPASSFILE. The server and its folder are removed when the command ends, whatever its outcome.
set -euo pipefail

find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
  fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "with-postgres: installing Debian's postgresql" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql postgresql-client >/dev/null
    BINDIR=$(find_bindir)
  fi
fi
if [ -z "$BINDIR" ]; then
  echo "with-postgres: no PostgreSQL server binaries (initdb, pg_ctl); install postgresql" >&2
  exit 1
fi

# The server runs as a non-root user: Debian's `postgres` account, else the caller.
AS=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  fi
  AS=(runuser -u postgres --)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/qualcode-pg.XXXXXX")
chmod 755 "$WORK"
mkdir -m 700 "$WORK/data" "$WORK/init" "$WORK/secret"
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/data" "$WORK/init" "$WORK"; fi

PASSWORD=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
USER_NAME=qualcode
DB_NAME=qualcode_test

# The password file for initdb: readable by the server's user only, removed right after.
umask 077
printf '%s\n' "$PASSWORD" >"$WORK/init/pw"
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/init/pw"; fi
# The client's password file (libpq format), readable by the caller only.
printf '127.0.0.1:%s:*:%s:%s\n' "$PORT" "$USER_NAME" "$PASSWORD" >"$WORK/secret/pgpass"
umask 022
unset PASSWORD

stop() {
  local status=$?
  if [ -f "$WORK/data/postmaster.pid" ]; then
    "${AS[@]}" "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap stop EXIT INT TERM

"${AS[@]}" "$BINDIR/initdb" -D "$WORK/data" -U "$USER_NAME" --pwfile="$WORK/init/pw" \
  --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
  >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
rm -f "$WORK/init/pw"

# Loopback only; the socket in the work folder; durability traded for speed (a test server).
"${AS[@]}" "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c max_locks_per_transaction=256" \
  start >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

export PGPASSFILE="$WORK/secret/pgpass"
"$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" "$DB_NAME"

export QUALCODE_TEST_DB_URL="postgresql+psycopg://$USER_NAME@127.0.0.1:$PORT/$DB_NAME"
# pg_dump / pg_restore for `qualcode backup` and `restore` on PostgreSQL.
export PATH="$PATH:$BINDIR"
echo "with-postgres: PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
set +e
"$@"
