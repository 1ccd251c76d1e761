# shellcheck shell=bash
# Installs what the build and the tests need beyond the .NET SDK and PostgreSQL, with Debian's apt.

_apt_install() { # PACKAGE...
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to apt-get install $*" >&2; return 1; }
    sudo=sudo
  fi
  echo "[prereqs] installing $* with apt-get…" >&2
  $sudo apt-get update -q >/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >/dev/null
}

# node and npm: Scheduler.Web's build runs `npm ci` for the SignalR browser client (ClientApp/).
ensure_build_prerequisites() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    _apt_install nodejs npm
  fi
}

# The OpenAPI tests' tools: Kiota, a local dotnet tool pinned in .config/dotnet-tools.json, generates a
# C# client from the running document; Redocly and openapi-typescript, npm packages pinned in
# tests/openapi-tools/package-lock.json, lint it and generate types from it. Both come from the
# NuGet and npm registries (run from the repository root).
ensure_openapi_test_tools() {
  dotnet tool restore >/dev/null
  local tools=tests/openapi-tools
  if [ ! -x "$tools/node_modules/.bin/redocly" ] || [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
    echo "[prereqs] npm ci in $tools…" >&2
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Debian's chromium for the browser tests (driven by Playwright with its real binary; never
# `playwright install`).
ensure_test_prerequisites() {
  ensure_build_prerequisites
  if [ ! -x /usr/lib/chromium/chromium ]; then
    _apt_install chromium
  fi
  ensure_openapi_test_tools
}

# Debian's aiosmtpd: the local SMTP sink run.sh starts for development (unless SCHEDULER_SMTP is set).
# It runs under the system interpreter: a python3 earlier on PATH may not see Debian's module.
ensure_mail_sink_prerequisites() {
  if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
    _apt_install python3-aiosmtpd
  fi
}
