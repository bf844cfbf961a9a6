#!/usr/bin/env bash
# The static binary's smoke test: check that a loginflow binary is statically linked, then run the
# main job with it (validate, apply tenants/local.yaml to the embedded local tenant, plan shows no
# changes) in a copy of the project, away from the build tree.
#
#   ci/static-smoke.sh              build a static binary here, then test it
#   ci/static-smoke.sh BINARY       test a binary built elsewhere (the release workflow's builds)
#
# Release binaries for Linux are musl builds (`--target <arch>-unknown-linux-musl`, made by
# cargo-zigbuild in .github/workflows/release.yml). A musl standard library is not always
# installed where this runs, so with no BINARY the script builds the glibc target with
# `-C target-feature=+crt-static` instead, which links just as statically: what this checks is
# that nothing in the build needs a shared library at run time. The profile is `release` by default
# (a few minutes less than `dist`, whose fat LTO does not change linking); set
# LOGINFLOW_SMOKE_PROFILE=dist to test exactly the release profile.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-}"
if [ -n "$binary" ]; then
  binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
fi
cd "$here"

if [ -z "$binary" ]; then
  host="$(rustc -vV | sed -n 's/^host: //p')"
  case "$host" in
    *-unknown-linux-gnu) ;;
    *) echo "static-smoke: building a static binary needs a *-linux-gnu host, not $host" >&2; exit 1 ;;
  esac
  profile="${LOGINFLOW_SMOKE_PROFILE:-release}"
  echo "== static build: --profile $profile --target $host with +crt-static"
  # RUSTFLAGS with an explicit --target reach only the target's crates, not build scripts or
  # proc macros, which must stay dynamic host programs.
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --locked --quiet --profile "$profile" --target "$host" --bin loginflow
  binary="${CARGO_TARGET_DIR:-$here/target}/$host/$profile/loginflow"
fi
[ -x "$binary" ] || { echo "static-smoke: no executable at $binary" >&2; exit 1; }

if [ "$(uname -s)" = Linux ]; then
  echo "== statically linked?"
  file -L "$binary" | sed "s|^$binary|loginflow|"
  # No program interpreter and no needed shared library: the kernel runs it as is.
  if readelf -lW "$binary" | grep -q 'Requesting program interpreter'; then
    echo "static-smoke: $binary asks for a dynamic loader" >&2
    exit 1
  fi
  if readelf -dW "$binary" | grep -q '(NEEDED)'; then
    echo "static-smoke: $binary needs shared libraries:" >&2
    readelf -dW "$binary" | grep '(NEEDED)' >&2
    exit 1
  fi
  ldd "$binary" 2>&1 | sed 's/^/ldd: /' || true
fi

# A copy of the project without the build tree, and the binary beside it, so that nothing is found
# through the checkout or cargo.
work="$(mktemp -d "${TMPDIR:-/tmp}/loginflow-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/project" "$work/bin"
tar -C "$here" --exclude=./target --exclude=./.git --exclude=./.loginflow -cf - . |
  tar -C "$work/project" -xf -
cp "$binary" "$work/bin/"
lf="$work/bin/$(basename "$binary")"
cd "$work/project"
unset LOGINFLOW_LOG LOGINFLOW_NODE

echo "== the main job with the static binary: $("$lf" --version)"
"$lf" validate
"$lf" apply tenants/local.yaml --yes > /dev/null
"$lf" plan tenants/local.yaml --detailed-exitcode
echo "== static-smoke: ok"
