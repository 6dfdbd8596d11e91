#!/usr/bin/env bash
# Start the throwaway services the product's store tests run against, on 127.0.0.1:
# a PostgreSQL cluster in a temp dir and an S3-compatible server (moto), then print the
# `export NAME=value` lines the tests read. Installs nothing: PostgreSQL comes from Debian
# (`apt-get install -y postgresql`), moto from the product's `test` extra.
#
#   eval "$(bash product/ci/services.sh)"     # start both, export their URLs
#   bash product/ci/services.sh stop DIR      # stop what a start left in DIR
#
# Ports: free ones by default; set LECTURE_MEDIA_PG_PORT / LECTURE_MEDIA_S3_PORT to fix them.
# Everything is logged under the state dir it prints (LECTURE_MEDIA_SERVICES_DIR).
set -euo pipefail

die() { echo "services.sh: $*" >&2; exit 1; }

stop() {
    local dir=$1
    case "$(basename "$dir")" in
        lecture-media-services.*) ;;
        *) die "$dir is not a directory this script made" ;;
    esac
    if [ -f "$dir/s3.pid" ]; then kill "$(cat "$dir/s3.pid")" 2>/dev/null || true; fi
    if [ -d "$dir/pgdata" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# postgres refuses to run as root: run its tools as the `postgres` user then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_BIN=${LECTURE_MEDIA_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PG_BIN/initdb" ] || die "no PostgreSQL server found under /usr/lib/postgresql: apt-get install -y postgresql"

if [ "${1:-}" = stop ]; then stop "${2:?usage: services.sh stop DIR}"; exit 0; fi

PYTHON=${PYTHON:-python}
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import moto.server' 2>/dev/null \
    || die "moto is not installed for $PYTHON: pip install -e './product[test]'"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lecture-media-services.XXXXXX")
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
pg_port=${LECTURE_MEDIA_PG_PORT:-$(free_port)}
s3_port=${LECTURE_MEDIA_S3_PORT:-$(free_port)}

# PostgreSQL: trust auth on loopback only; the socket lives in the temp dir.
as_pg "$PG_BIN/initdb" -D "$dir/pgdata" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
as_pg "$PG_BIN/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
    -o "-k $dir -h 127.0.0.1 -p $pg_port -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { cat "$dir/postgres.log" >&2; die "postgres did not start on 127.0.0.1:$pg_port"; }
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres lecture_media_test \
    || die "could not create the test database"

# S3: moto's server, one bucket for the tests (each test writes under its own prefix).
nohup "$PYTHON" -m moto.server -H 127.0.0.1 -p "$s3_port" >"$dir/s3.log" 2>&1 &
echo $! >"$dir/s3.pid"
for _ in $(seq 1 100); do
    if "$PYTHON" - "$s3_port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
PY
    sleep 0.2
done
"$PYTHON" - "$s3_port" <<'PY' || { cat "$dir/s3.log" >&2; stop "$dir"; die "the S3 server did not answer on 127.0.0.1:$s3_port"; }
import sys, urllib.request
# moto accepts unsigned requests: create the test bucket with a plain PUT.
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/lecture-media-test", method="PUT")
urllib.request.urlopen(request, timeout=5)
PY

cat <<OUT
export LECTURE_MEDIA_SERVICES_DIR=$dir
export LECTURE_MEDIA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$pg_port/lecture_media_test
export LECTURE_MEDIA_TEST_S3_URL='s3://lecture-media-test?endpoint=http://127.0.0.1:$s3_port&region=us-east-1&access_key_id=test&secret_access_key=test'
OUT
