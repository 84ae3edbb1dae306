#!/usr/bin/env bash
# Static checks of template.yaml, beyond `sam validate --lint`: cfn-lint with its informational
# rules on (stateful resources without an explicit DeletionPolicy, and the like), and checkov with
# every check still failing waived in infra/checkov.yaml, a line of reason each. Both pinned, from
# PyPI, in a venv of their own (.cache/static-checks-venv): checkov's dependencies are not the SAM
# CLI's. Usage: infra/static-checks.sh [fetch] (fetch: install only).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.cache/static-checks-venv"
pins=(cfn-lint==1.58.0 checkov==3.3.30)

[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || { rm -rf "$venv"; echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
# Installed once; a changed pin reinstalls (the marker names the pins).
marker="$venv/.pins-$(printf '%s ' "${pins[@]}" | sha256sum | cut -c1-12)"
if [[ ! -e "$marker" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
  touch "$marker"
fi
[[ "${1:-}" == fetch ]] && exit 0

cd "$root"
# The region only picks the resource specs cfn-lint checks against; any works offline.
"$venv/bin/cfn-lint" --include-checks I --regions us-east-1 -- template.yaml
echo "cfn-lint (informational rules on): clean"
"$venv/bin/checkov" --config-file infra/checkov.yaml
