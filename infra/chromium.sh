#!/usr/bin/env bash
# Installs the headless browser the real-browser test (tests/tests/api/survey_browser.rs) drives: the
# public survey page is plain HTML, and only a real browser proves its form posts and re-renders
# the way people see it. Debian's packages, because they pair Chromium with the chromedriver of
# exactly its version; idempotent, so `make test` and CI can call it every run.
#
#   infra/chromium.sh ensure   install chromium + chromium-driver unless present; print versions
set -euo pipefail

ensure() {
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    local sudo="" log
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    log="$(mktemp)"
    install() {
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver >>"$log" 2>&1
    }
    # Refresh the package lists only when the install needs it (a fresh container has none).
    install || { $sudo apt-get update -qq >>"$log" 2>&1 && install; } || {
      cat "$log" >&2
      echo "installing chromium and chromium-driver failed" >&2
      exit 1
    }
    rm -f "$log"
  fi
  # stderr dropped: Debian's launcher script warns about /dev/shm sizes on some machines.
  /usr/bin/chromium --version 2>/dev/null
  /usr/bin/chromedriver --version
}

case "${1:-}" in
  ensure) ensure ;;
  *) echo "usage: $0 ensure" >&2; exit 2 ;;
esac
