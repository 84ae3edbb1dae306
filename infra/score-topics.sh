#!/usr/bin/env bash
# `make score-topics`: the whole local stack (DynamoDB Local, every function, the topics stream
# consumer) and ../shared/tools/score-topics against it, on the labelled fixture surveys, twice:
# discovered topics alone, then guided (`--teach 3`: each labelled topic taught as a topic guide
# with its first 3 labelled responses). The scorer submits every response through the public page
# and waits until each has its topics.
#
#   infra/score-topics.sh [FILE.jsonl ...]   default: ../shared/fixtures/topics/*.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
shared="$(cd .. && pwd)/shared"
[[ -x "$shared/tools/score-topics" ]] || { echo "needs ../shared/tools/score-topics beside the repository" >&2; exit 2; }
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=("$shared"/fixtures/topics/*.jsonl)

infra/model.sh fetch >/dev/null
# The same build as `make test` (same features): nothing compiles twice.
cargo test --workspace --no-run -q

if [[ -z "${AWS_ENDPOINT_URL_DYNAMODB:-}" ]]; then
  exec infra/dynamodb-local.sh run "$0" "${files[@]}"
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
export HEARKEN_TABLE_PREFIX="score-$(date +%s)-"
# The scorer posts from one address as fast as it can; the page's per-IP limit (60 a minute in
# production) would only make it wait.
export SURVEY_RESPONSES_PER_IP_PER_MINUTE=100000
log="$(mktemp)"
PORT="$port" target/debug/hearken-local >"$log" 2>&1 &
stack=$!
trap 'kill "$stack" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  grep -q "Hearken is serving" "$log" && break
  kill -0 "$stack" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
score() { "$shared/tools/score-topics" --base "http://127.0.0.1:$port" --admin "target/debug/hearken-admin" --settle 300 "$@" "${files[@]}"; }
echo "== discovered topics"
score
echo "== guided: 3 examples per topic"
score --teach 3
