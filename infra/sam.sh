#!/usr/bin/env bash
# Run AWS SAM CLI from a project-local venv, so dev machines and CI need nothing preinstalled
# (no Docker, no global pip installs). Usage: infra/sam.sh <sam args>, e.g. `infra/sam.sh validate --lint`.
set -euo pipefail

# Paths from the script's own location, so it works from any CWD.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.cache/sam-venv"   # .cache is git-ignored

# Create the venv once; install only when a tool is missing, so repeat runs cost nothing.
# cargo-lambda comes from PyPI too: `sam build` with BuildMethod rust-cargolambda shells out to it.
# Pinned, so every machine lints and builds with the same tools.
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || { rm -rf "$venv"; echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
if [[ ! -x "$venv/bin/sam" || ! -x "$venv/bin/cargo-lambda" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0 cargo-lambda==1.9.2
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
