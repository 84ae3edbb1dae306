#!/usr/bin/env bash
# The reference verifier of the Standard Webhooks specification (`standardwebhooks` from PyPI,
# pinned, in .cache/standardwebhooks-venv) and a tiny front for it: the webhook tests check every
# signature Hearken sends with the library receivers use, not with Hearken's own code.
#
#   infra/standardwebhooks.sh fetch           make the venv (idempotent)
#   infra/standardwebhooks.sh verify < lines  one JSON object a line: {"secret", "headers", "body"};
#                                             prints "ok" or "bad: <why>" for each
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.cache/standardwebhooks-venv"
pin="standardwebhooks==1.0.0"

fetch() {
  if ! "$venv/bin/python" -c 'import standardwebhooks' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$pin"
  fi
  "$venv/bin/python" -c 'import importlib.metadata as m; print("standardwebhooks", m.version("standardwebhooks"))'
}

verify() {
  "$venv/bin/python" -c '
import json, sys
from standardwebhooks.webhooks import Webhook
for line in sys.stdin:
    case = json.loads(line)
    try:
        Webhook(case["secret"]).verify(case["body"], case["headers"])
        print("ok", flush=True)
    except Exception as err:
        print("bad: %s" % err, flush=True)
'
}

case "${1:-}" in
  fetch) fetch ;;
  verify) verify ;;
  *) echo "usage: $0 fetch|verify" >&2; exit 2 ;;
esac
