#!/usr/bin/env bash
# Run AWS SAM CLI from a project-local venv, so dev machines and CI need nothing preinstalled
# (no Docker, no global pip installs). Usage: infra/sam.sh <sam args>, e.g. `infra/sam.sh validate --lint`.
set -euo pipefail

# Paths from the script's own location, so it works from any CWD.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.cache/sam-venv"   # .cache is git-ignored

# Create the venv once; install only when the pins change, so repeat runs cost nothing.
# cargo-lambda comes from PyPI too: `sam build` with BuildMethod rust-cargolambda shells out to it,
# and it cross-links with Zig, from its own PyPI dependency `ziglang`, pinned here as well (an
# unpinned one moves with every release of Zig). Pinned, so every machine lints and builds with
# the same tools.
pins=(aws-sam-cli==1.170.0 cargo-lambda==1.9.2 ziglang==0.17.1)
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || { rm -rf "$venv"; echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
marker="$venv/.pins-$(printf '%s ' "${pins[@]}" | sha256sum | cut -c1-12)"
if [[ ! -e "$marker" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
  touch "$marker"
fi

# The topics function's model ships as a layer from .cache/models/layer/ (`make sam-build` fills
# it). Without it `sam build` succeeds and the deploy fails much later, or a function comes up
# without its model: fail now, saying how to fix it.
layer="$root/.cache/models/layer/all-MiniLM-L6-v2"
if [[ "${1:-}" =~ ^(build|package|deploy|sync)$ && ! -s "$layer/model-f16.safetensors" ]]; then
  echo "infra/sam.sh $1: the model layer is missing ($layer): run \`make sam-build\` (it fetches the model and builds)" >&2
  exit 1
fi

# Venv bin first so sam finds cargo-lambda; no telemetry calls out from a closed network.
export PATH="$venv/bin:$PATH" SAM_CLI_TELEMETRY=0

# `sam validate` fails with "AWS Region was not found" when no region is set; --lint then lints for
# that region. Any region works offline; us-east-1 matches cfn-lint's own default.
if [[ "${1:-}" == validate && -z "${AWS_REGION:-}${AWS_DEFAULT_REGION:-}" ]]; then
  export AWS_DEFAULT_REGION=us-east-1
fi

# SAM looks for template.yaml in the CWD.
cd "$root"
exec sam "$@"
