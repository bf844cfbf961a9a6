#!/usr/bin/env bash
# Time from a "fresh runner" to a plan, the way examples/ci/github-actions.yml installs loginflow:
# in an empty folder, with an empty CARGO_HOME and no cargo on PATH, download the release archive
# and check its SHA-256 (ci/install.sh, what action.yml runs), then plan the example tenants as
# the pull-request job does (`plan --all --no-secret-values --format markdown`).
#
#   bench/fresh-runner.sh BINARY [DYNAMIC_BINARY]
#
# BINARY is a static build (ci/static-smoke.sh builds one). The download is simulated: the binary
# is packed like a release archive (x86_64-unknown-linux-musl) with a SHA256SUMS file and served
# by `python3 -m http.server` on loopback. With DYNAMIC_BINARY (e.g. target/release/loginflow),
# the no-op plan of the local tenant is also timed with it, for comparison.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
dynamic="${2:+$(cd "$(dirname "$2")" && pwd)/$(basename "$2")}"
runs="${RUNS:-20}"

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

work="$(mktemp -d "${TMPDIR:-/tmp}/loginflow-fresh.XXXXXX")"
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The "release": archive + SHA256SUMS, served on loopback.
version=v0.1.0
stem="loginflow-$version-x86_64-unknown-linux-musl"
mkdir -p "$work/release/$stem"
cp "$binary" "$work/release/$stem/loginflow"
cp "$here/README.md" "$work/release/$stem/"
(cd "$work/release" && tar -czf "$stem.tar.gz" "$stem" && rm -r "$stem" &&
  sha256sum "$stem.tar.gz" > SHA256SUMS)
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 --directory "$work/release" "$port" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  curl --silent --fail --output /dev/null "http://127.0.0.1:$port/SHA256SUMS" && break
  sleep 0.1
done

# The "runner": an empty folder, an empty CARGO_HOME, no cargo or rustup on PATH; the checkout
# is a copy of the tenant files.
mkdir -p "$work/runner/cargo-home" "$work/runner/tool-cache" "$work/runner/checkout"
cp -r "$here/tenants" "$work/runner/checkout/"
clean_path="$(echo "$PATH" | tr ':' '\n' | grep -v -e '\.cargo' -e rustup | paste -sd: -)"
run() {
  env -i HOME="$work/runner" PATH="$clean_path" CARGO_HOME="$work/runner/cargo-home" \
    NO_COLOR=1 "$@"
}
cd "$work/runner/checkout"
if run bash -c 'command -v cargo' > /dev/null; then
  echo "cargo is still on PATH" >&2
  exit 1
fi

dir="$work/runner/tool-cache/loginflow/$version/Linux-X64"
t0="$(now)"
run LOGINFLOW_VERSION="$version" LOGINFLOW_DIR="$dir" LOGINFLOW_TARGET=x86_64-unknown-linux-musl \
  LOGINFLOW_BASE_URL="http://127.0.0.1:$port" bash "$here/ci/install.sh"
t1="$(now)"
set +e
# The pull-request job's command in examples/ci: read-only, no secret value, markdown comment.
run "$dir/loginflow" plan --all --no-secret-values --format markdown --detailed-exitcode \
  --out "$work/plan.json" > "$work/plan-all.md" 2> "$work/plan-all.err"
all_code=$?
t2="$(now)"
run "$dir/loginflow" plan tenants/local.yaml --detailed-exitcode > /dev/null 2>&1
local_code=$?
t3="$(now)"
set -e
echo
echo "install (download + SHA-256 + unpack): $(ms "$t0" "$t1") ms"
echo "plan --all --no-secret-values (PR job): $(ms "$t1" "$t2") ms (exit $all_code: $(grep -c '^error:' "$work/plan-all.err") tenant(s) with errors, $(grep -c '^### ' "$work/plan-all.md") planned)"
echo "plan tenants/local.yaml (first plan):  $(ms "$t2" "$t3") ms (exit $local_code)"
echo "fresh runner -> plan --all:            $(ms "$t0" "$t2") ms"
grep '^error:' "$work/plan-all.err" | sed 's/^/  /' || true

# The no-op plan of the local tenant (after an apply), static vs dynamic.
run "$dir/loginflow" apply tenants/local.yaml --yes > /dev/null 2>&1
noop() {
  local lf="$1" log="$work/times.$RANDOM"
  local TIMEFORMAT='%R %U %S'
  for _ in $(seq "$runs"); do
    { time run "$lf" plan tenants/local.yaml --detailed-exitcode > /dev/null 2>&1; } 2>> "$log"
  done
  # Wall time depends on the machine's load (loginflow lowers the priority of its render thread);
  # CPU time (user + sys) much less so.
  stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %d ms (min %d, max %d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
  echo "wall $(awk '{ print $1 * 1000 }' "$log" | stats), CPU $(awk '{ print ($2 + $3) * 1000 }' "$log" | stats), $runs runs"
}
echo
echo "no-op plan, static:  $(noop "$dir/loginflow")"
if [ -n "$dynamic" ]; then
  echo "no-op plan, dynamic: $(noop "$dynamic")"
fi
echo
stat -c "%10s bytes  %n" "$binary" ${dynamic:+"$dynamic"}
