# Shared setup for scripts/drills.sh and scripts/test.sh: install what is missing when we can,
# otherwise say exactly what is missing and how to get it. Sourced, not executed.

die() { echo "drdrill: $*" >&2; exit 3; }

is_root() { [ "$(id -u)" = 0 ]; }
has_apt() { command -v apt-get >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_node() {
  command -v node >/dev/null || die "Node.js >= 20.19 is required (https://nodejs.org or your distribution's nodejs package)"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js >= 20.19 is required; this is $(node --version)"
}

ensure_npm_deps() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "drdrill: installing npm dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund >/dev/null
  fi
}

postgres_found() {
  [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ] && return 0
  command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

ensure_postgres() {
  postgres_found && return 0
  if is_root && has_apt; then
    echo "drdrill: installing the PostgreSQL server (apt-get install postgresql)" >&2
    apt_install postgresql postgresql-contrib
    postgres_found && return 0
  fi
  die "PostgreSQL server binaries not found. Install them: sudo apt-get install -y postgresql (or set PG_BIN to the directory with initdb and postgres)"
}

# Optional tools: installed as root on Debian/Ubuntu; otherwise the drills or tests that need them say so.
ensure_optional() {
  local missing=()
  for spec in "$@"; do
    local bin=${spec%%:*} pkg=${spec#*:}
    command -v "$bin" >/dev/null || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root && has_apt; then
    echo "drdrill: installing ${missing[*]} (apt-get)" >&2
    apt_install "${missing[@]}" || echo "drdrill: could not install ${missing[*]}; the parts that need them will report it" >&2
  else
    echo "drdrill: optional packages missing: ${missing[*]} (sudo apt-get install -y ${missing[*]}); the parts that need them will report it" >&2
  fi
}

# What the tests use beyond the runtime: pgBackRest (pgbackrest drills, the local PostgreSQL image), Chromium
# (HTML and PDF reports), pdftotext (reads the PDFs back), promtool, the Pushgateway and the exporters
# (monitoring/, harness/metrics/), and the tools users take their backups with, for restore tests: the aws CLI
# (by its Debian path: a pyenv shim may shadow it on PATH) and barman-cloud (CloudNativePG's format).
ensure_test_tools() {
  ensure_optional pgbackrest:pgbackrest chromium:chromium pdftotext:poppler-utils \
    /usr/bin/aws:awscli barman-cloud-backup:barman-cli-cloud \
    promtool:prometheus prometheus-pushgateway:prometheus-pushgateway \
    prometheus-postgres-exporter:prometheus-postgres-exporter prometheus-node-exporter:prometheus-node-exporter
}

ensure_build() {
  npm run --silent build
}

# What every command needs: Node.js, PostgreSQL, the npm dependencies and a fresh build.
ensure_runtime() {
  ensure_node
  ensure_postgres
  ensure_npm_deps
  ensure_build
}

# The testcontainers lane. A Docker engine is used as it is. Otherwise, as root on Debian/Ubuntu: rootful podman
# behind a private Docker-compatible socket, with the images built locally (no registry needed), stopped again
# when the calling script exits. With neither, the lane's tests print an explicit skip.
ensure_container_engine() {
  if [ -n "${DOCKER_HOST:-}" ] || [ -S /var/run/docker.sock ]; then return 0; fi
  if ! is_root || ! has_apt; then
    echo "drdrill: no container engine (no DOCKER_HOST, no /var/run/docker.sock); the testcontainers tests will be skipped. Start Docker, or run as root on Debian/Ubuntu to use podman" >&2
    return 0
  fi
  local podman_env
  if podman_env=$(bash fixtures/podman/setup.sh); then
    eval "$podman_env"
    # Stop the service only if this script started it: another shell's drills may be using it.
    if [ "${DRDRILL_PODMAN_STARTED:-0}" = 1 ]; then trap 'bash fixtures/podman/teardown.sh >&2 || true' EXIT; fi
    bash fixtures/images/build-all.sh
    export DRDRILL_REQUIRE_CONTAINERS=1
  else
    echo "drdrill: podman could not be set up (see above); the testcontainers tests will be skipped" >&2
  fi
}
