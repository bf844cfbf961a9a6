#!/usr/bin/env bash
# Installs a loginflow release binary: picks the archive for this OS and CPU, downloads it (unless
# an earlier run left a verified copy in the install folder), checks its SHA-256 and puts the
# binary in the install folder. The GitHub Action (action.yml) runs this script; it works the
# same anywhere bash, curl and tar are (Git Bash on Windows).
#
# Environment:
#   LOGINFLOW_VERSION      the release tag, e.g. v0.1.0 (required)
#   LOGINFLOW_DIR          the install folder (required); the binary lands in it
#   LOGINFLOW_SHA256       optional expected checksums, one per line: `<sha256> <archive name>`
#                          (the release's SHA256SUMS lines) or `<target>: <sha256>`. When it names
#                          this archive, that checksum is the reference; otherwise the release's
#                          SHA256SUMS file is downloaded and used.
#   LOGINFLOW_REPOSITORY   owner/name of the repository whose releases to use (required unless
#                          LOGINFLOW_BASE_URL is set)
#   LOGINFLOW_SERVER_URL   default https://github.com
#   LOGINFLOW_BASE_URL     optional: download from BASE_URL/<archive> instead of the release
#                          (a mirror, or a local folder served over HTTP for a test)
#   LOGINFLOW_TARGET       optional: the Rust target triple, instead of detecting it
#
# Prints `target=...` and `archive=...` lines to $GITHUB_OUTPUT when that is set.
set -euo pipefail

die() {
  echo "loginflow install: $*" >&2
  exit 1
}

version="${LOGINFLOW_VERSION:-}"
dir="${LOGINFLOW_DIR:-}"
[ -n "$version" ] || die "no version: set the action's \`version\` input to a release tag (e.g. v0.1.0)"
[ -n "$dir" ] || die "no install folder (LOGINFLOW_DIR)"
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*$ ]] ||
  die "version \`$version\` is not a release tag like v0.1.0"

target="${LOGINFLOW_TARGET:-}"
if [ -z "$target" ]; then
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "no release binary for CPU \`$arch\`" ;;
  esac
  case "$os" in
    Linux) target="$arch-unknown-linux-musl" ;;
    Darwin) target="$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      [ "$arch" = x86_64 ] || die "no Windows release binary for \`$arch\`"
      target="x86_64-pc-windows-msvc"
      ;;
    *) die "no release binary for OS \`$os\`" ;;
  esac
fi

case "$target" in
  *-windows-*) ext=zip exe=loginflow.exe ;;
  *) ext=tar.gz exe=loginflow ;;
esac
stem="loginflow-$version-$target"
archive="$stem.$ext"

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "target=$target"
    echo "archive=$archive"
  } >> "$GITHUB_OUTPUT"
fi

if [ -n "${LOGINFLOW_BASE_URL:-}" ]; then
  base="${LOGINFLOW_BASE_URL%/}"
else
  [ -n "${LOGINFLOW_REPOSITORY:-}" ] || die "no repository to download the release from"
  base="${LOGINFLOW_SERVER_URL:-https://github.com}/$LOGINFLOW_REPOSITORY/releases/download/$version"
fi

sha256_of() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# The expected checksum: from LOGINFLOW_SHA256 when it names this archive or target.
expected=""
while read -r first second _; do
  [ -n "$first" ] || continue
  case "$first" in "#"*) continue ;; esac
  if [[ "$first" =~ ^[0-9a-fA-F]{64}$ ]]; then
    hash="$first" name="${second#\*}"
  else
    hash="$second" name="${first%:}"
  fi
  if [ "$name" = "$archive" ] || [ "$name" = "$target" ]; then
    [[ "$hash" =~ ^[0-9a-fA-F]{64}$ ]] || die "the sha256 input for \`$name\` is not a SHA-256"
    expected="$(echo "$hash" | tr 'A-F' 'a-f')"
  fi
done <<< "${LOGINFLOW_SHA256:-}"

mkdir -p "$dir"
fetch() {
  curl --fail --silent --show-error --location --retry 3 --proto '=https,http' \
    --output "$2" "$base/$1"
}

# A copy restored from the cache is used when it matches the reference checksum, or, with no
# reference given, the checksum recorded when it was first verified.
if [ -f "$dir/$exe" ] && [ -f "$dir/$archive" ] && [ -f "$dir/$archive.sha256" ]; then
  have="$(sha256_of "$dir/$archive")"
  if [ "$have" = "$(cat "$dir/$archive.sha256")" ] && { [ -z "$expected" ] || [ "$have" = "$expected" ]; }; then
    echo "loginflow $version ($target): using the verified copy in $dir"
    exit 0
  fi
  echo "loginflow install: the cached copy does not verify; downloading again" >&2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "loginflow $version ($target): downloading $base/$archive"
fetch "$archive" "$tmp/$archive" || die "could not download $archive (is $version a release with a $target build?)"
if [ -z "$expected" ]; then
  fetch SHA256SUMS "$tmp/SHA256SUMS" || die "could not download the release's SHA256SUMS"
  expected="$(awk -v a="$archive" '$2 == a || $2 == "*" a { print tolower($1) }' "$tmp/SHA256SUMS")"
  [ -n "$expected" ] || die "SHA256SUMS has no line for $archive"
  source="the release's SHA256SUMS"
else
  source="the sha256 input"
fi
actual="$(sha256_of "$tmp/$archive")"
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $archive: expected $expected ($source), got $actual"
fi
echo "loginflow $version ($target): SHA-256 $actual matches $source"

if [ "$ext" = zip ]; then
  pwsh -NoProfile -NonInteractive -Command \
    "Expand-Archive -LiteralPath '$tmp/$archive' -DestinationPath '$tmp/x' -Force"
else
  mkdir "$tmp/x"
  tar -xzf "$tmp/$archive" -C "$tmp/x"
fi
[ -f "$tmp/x/$stem/$exe" ] || die "$archive has no $stem/$exe"
mv -f "$tmp/x/$stem/$exe" "$dir/$exe"
chmod +x "$dir/$exe"
mv -f "$tmp/$archive" "$dir/$archive"
echo "$actual" > "$dir/$archive.sha256"
"$dir/$exe" --version
