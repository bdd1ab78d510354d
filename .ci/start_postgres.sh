# shellcheck shell=bash
# Start a local PostgreSQL server for the distributed-tuning tests and export
# its URL as SKLEARN_CONVLSTM_TEST_POSTGRES_URL.
#
# Meant to be sourced by .ci/run (as root, non-interactive, under
# `set -euo pipefail`):  source .ci/start_postgres.sh
# It works on a fresh Debian/Ubuntu machine (installs the server from Debian's
# packages) and is idempotent: sourcing it again reuses the running server, the
# role and the database. Run it directly (bash .ci/start_postgres.sh) to only
# set things up; the export then lives in that shell alone.
#
# Settings (environment, all optional):
#   SKLEARN_CONVLSTM_PG_USER      role name      (default: sklearn_convlstm)
#   SKLEARN_CONVLSTM_PG_PASSWORD  role password  (default: sklearn_convlstm)
#   SKLEARN_CONVLSTM_PG_DATABASE  database name  (default: sklearn_convlstm_test)

_sclstm_pg_as_postgres() {
  # Run a command as the postgres system user (peer authentication).
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

_sclstm_pg_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo -n -- "$@"
  fi
}

_sclstm_pg_setup() {
  local user="${SKLEARN_CONVLSTM_PG_USER:-sklearn_convlstm}"
  local password="${SKLEARN_CONVLSTM_PG_PASSWORD:-sklearn_convlstm}"
  local database="${SKLEARN_CONVLSTM_PG_DATABASE:-sklearn_convlstm_test}"
  local version cluster port status line

  # 1. The server, from Debian's packages.
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "start_postgres: installing postgresql from Debian packages" >&2
    _sclstm_pg_as_root apt-get update -qq
    _sclstm_pg_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq postgresql >/dev/null
  fi

  # 2. A cluster: the first one listed, or a new "main" of the newest version.
  line="$(pg_lsclusters --no-header 2>/dev/null | head -n 1 || true)"
  if [ -z "$line" ]; then
    version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' \
      | sort -V | tail -n 1)"
    echo "start_postgres: creating cluster $version/main" >&2
    _sclstm_pg_as_root pg_createcluster "$version" main >/dev/null
    line="$(pg_lsclusters --no-header | head -n 1)"
  fi
  version="$(echo "$line" | awk '{print $1}')"
  cluster="$(echo "$line" | awk '{print $2}')"
  port="$(echo "$line" | awk '{print $3}')"
  status="$(echo "$line" | awk '{print $4}')"

  # 3. Start it unless it runs already, then wait until it accepts connections.
  #    The tuning tests start up to a dozen workers at once on two pytest
  #    processes, each with Optuna's connection pool: they peaked at 62
  #    connections alone, near the default max_connections of 100 (a full run
  #    was refused connections once), so the server runs with 300.
  local connections=300
  if [ "$status" = "online" ] && [ "$(_sclstm_pg_as_postgres psql -p "$port" -tAc \
      'SHOW max_connections')" -lt "$connections" ]; then
    _sclstm_pg_as_root pg_ctlcluster "$version" "$cluster" stop
    status=down
  fi
  if [ "$status" != "online" ]; then
    _sclstm_pg_as_root pg_ctlcluster "$version" "$cluster" start -- \
      -o "-c max_connections=$connections"
  fi
  local attempt
  for attempt in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$port"; then
      break
    fi
    if [ "$attempt" -eq 60 ]; then
      echo "start_postgres: server $version/$cluster not ready on port $port" >&2
      return 1
    fi
    sleep 0.5
  done

  # 4. Role with a password (TCP on 127.0.0.1 uses password authentication in
  #    Debian's default pg_hba.conf) and a database it owns.
  if ! _sclstm_pg_as_postgres psql -p "$port" -tAc \
      "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1; then
    _sclstm_pg_as_postgres psql -p "$port" -q -c "CREATE ROLE \"$user\" LOGIN"
  fi
  _sclstm_pg_as_postgres psql -p "$port" -q \
    -c "ALTER ROLE \"$user\" WITH LOGIN PASSWORD '$password'"
  if ! _sclstm_pg_as_postgres psql -p "$port" -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    _sclstm_pg_as_postgres createdb -p "$port" -O "$user" "$database"
  fi

  # 5. The Python driver (normally already there through the [tuning] extra).
  if command -v python >/dev/null 2>&1 \
      && ! python -c "import psycopg2" >/dev/null 2>&1; then
    python -m pip install --quiet psycopg2-binary
  fi

  export SKLEARN_CONVLSTM_TEST_POSTGRES_URL="postgresql+psycopg2://$user:$password@127.0.0.1:$port/$database"
  echo "start_postgres: PostgreSQL $version/$cluster on 127.0.0.1:$port," \
    "database $database (SKLEARN_CONVLSTM_TEST_POSTGRES_URL exported)" >&2
}

_sclstm_pg_setup
unset -f _sclstm_pg_setup _sclstm_pg_as_postgres _sclstm_pg_as_root
