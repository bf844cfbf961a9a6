#!/usr/bin/env bash
# Benchmarks loginflow side by side with auth0-deploy-cli against the emulator over TLS.
#
#   bash bench/compare.sh [--runs N] [--only compare|scale] [--serial] [--tool loginflow]
#
# --tool NAME re-measures one tool's scenarios and keeps the other tool's runs (and the scale
# runs) from the results file.
#
# Builds loginflow with the dist profile (as released), installs auth0-deploy-cli (pinned) from npm into a temporary
# folder, then runs bench/compare.mjs, which prints a markdown table on stdout (progress on
# stderr) and writes the raw figures to bench/results.json. Set A0DEPLOY_PREFIX to a folder
# where auth0-deploy-cli@$DEPLOY_CLI_VERSION is already installed to skip the npm install.
set -euo pipefail

DEPLOY_CLI_VERSION=8.44.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/loginflow-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "building loginflow (dist profile: the release binaries)..." >&2
(cd "$ROOT" && cargo build --profile dist --locked --quiet)

PREFIX=${A0DEPLOY_PREFIX:-$WORK/npm}
if [ ! -x "$PREFIX/node_modules/.bin/a0deploy" ]; then
  echo "installing auth0-deploy-cli@$DEPLOY_CLI_VERSION from npm..." >&2
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund --no-save --loglevel=error \
    "auth0-deploy-cli@$DEPLOY_CLI_VERSION" >&2
fi

node "$ROOT/bench/compare.mjs" \
  --loginflow "$ROOT/target/dist/loginflow" \
  --a0deploy "$PREFIX/node_modules/.bin/a0deploy" \
  --a0deploy-version "$DEPLOY_CLI_VERSION" \
  --work "$WORK" \
  --results "$ROOT/bench/results.json" \
  "$@"
