#!/usr/bin/env bash
# `sam local invoke` of one function against the local stack's DynamoDB Local (Docker needed).
# Start the stack first on a port the container can reach: DYNAMODB_LOCAL_PORT=8000 make dev.
# Usage: infra/sam-local-invoke.sh FUNCTION EVENT [more sam args], e.g.
#   infra/sam-local-invoke.sh FeedbackFunction events/feedback-create.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
function="${1:?usage: infra/sam-local-invoke.sh FUNCTION EVENT}"
event="${2:?usage: infra/sam-local-invoke.sh FUNCTION EVENT}"
shift 2
port="${DYNAMODB_LOCAL_PORT:-8000}"
command -v docker >/dev/null || { echo "sam local invoke runs the function in Docker, which is not installed" >&2; exit 1; }

# SAM hands the function only the variables template.yaml declares, with values from
# infra/sam-local-env.json (a test checks that every one there is declared); the endpoint's port
# follows DYNAMODB_LOCAL_PORT.
env_file="$(mktemp)"
trap 'rm -f "$env_file"' EXIT
sed "s#host.docker.internal:8000#host.docker.internal:$port#" "$root/infra/sam-local-env.json" >"$env_file"

# The function's AWS credentials are the shell's, never --env-vars': DynamoDB Local keeps one
# database per access key id, and `make dev` made its tables as "local".
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

# Docker Desktop resolves host.docker.internal by itself; Docker Engine on Linux only when asked.
add_host=()
[[ "$(uname -s)" == Linux ]] && add_host=(--add-host host.docker.internal:host-gateway)

exec "$root/infra/sam.sh" local invoke "$function" --event "$event" --env-vars "$env_file" "${add_host[@]}" "$@"
