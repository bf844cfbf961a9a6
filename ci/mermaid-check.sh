#!/usr/bin/env bash
# Parses the Mermaid diagrams loginflow writes (`graph` of every example tenant, and the markdown
# diff of tests/fixtures/diff) with Mermaid's own parser, pinned, under Node with jsdom. The test
# suite checks the same text with a strict structural parser (tests/it/graph.rs); this checks it
# against Mermaid itself. The packages (about 170 MB) are installed once into a cache folder.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
versions="mermaid@11.17.2 jsdom@26.1.0 dompurify@3.5.0"
cache="${LOGINFLOW_MERMAID_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loginflow-mermaid-11.17.2}"
if [ ! -f "$cache/node_modules/mermaid/package.json" ]; then
  mkdir -p "$cache"
  # shellcheck disable=SC2086 # one word per package
  (cd "$cache" && npm install --no-audit --no-fund --silent $versions)
fi
cp ci/mermaid-check.mjs "$cache/check.mjs"
out="$(mktemp -d "${TMPDIR:-/tmp}/loginflow-mermaid.XXXXXX")"
trap 'rm -rf "$out"' EXIT
cargo build --locked --quiet
bin="$here/target/debug/loginflow"
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/debug/loginflow"
for file in tenants/*.yaml; do
  "$bin" graph "$file" > "$out/$(basename "$file" .yaml).mmd"
done
rc=0
(cd tests/fixtures/diff && "$bin" diff staging.yaml prod.yaml --format markdown) > "$out/diff.md" || rc=$?
[ "$rc" -eq 2 ] || { echo "diff exited $rc, expected 2"; exit 1; }
node "$cache/check.mjs" "$out"/*.mmd "$out/diff.md"
