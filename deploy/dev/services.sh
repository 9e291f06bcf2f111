#!/usr/bin/env bash
# Make sure a PostgreSQL and a Redis are reachable for the tests and print their URLs as
# shell assignments (eval "$(deploy/dev/services.sh)"). Uses the ones already running on
# the machine; otherwise starts private ones under $CENTREX_SERVICES_DIR (default /tmp).
set -euo pipefail

dir="${CENTREX_SERVICES_DIR:-/tmp/centrex-services}"
mkdir -p "$dir"

pg_url="${DATABASE_URL:-}"
if [ -z "$pg_url" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    pg_url="postgres://postgres@127.0.0.1:5432/centrex"
  else
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    port=55432
    if ! pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
      owner=""
      [ "$(id -u)" = 0 ] && owner="postgres"
      run() { if [ -n "$owner" ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
      mkdir -p "$dir/pg" "$dir/pgrun"
      [ -n "$owner" ] && chown "$owner" "$dir/pg" "$dir/pgrun"
      chmod 700 "$dir/pg"
      if [ ! -f "$dir/pg/PG_VERSION" ]; then
        run "$bindir/initdb" -D "$dir/pg" -U postgres --auth=trust >/dev/null
      fi
      run "$bindir/pg_ctl" -D "$dir/pg" -l "$dir/pgrun/pg.log" \
        -o "-p $port -k $dir/pgrun -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" -w start >/dev/null
    fi
    pg_url="postgres://postgres@127.0.0.1:$port/centrex"
  fi
fi

redis_url="${REDIS_URL:-}"
if [ -z "$redis_url" ]; then
  if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    redis_url="redis://127.0.0.1:6379/0"
  else
    port=56379
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG || \
      redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    redis_url="redis://127.0.0.1:$port/0"
  fi
fi

echo "export DATABASE_URL='$pg_url' REDIS_URL='$redis_url'"
