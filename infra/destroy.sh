#!/usr/bin/env bash
# Tears a stack down: functions, API, schedules, queues, alarms and logs go; the seven tables stay
# (DeletionPolicy: Retain), with every customer's data, and keep costing their storage (and point-
# in-time recovery) until deleted by hand. Asks for the stack's name again unless CONFIRM=<stack>.
# Usage: infra/destroy.sh STACK [REGION], or `make destroy STACK=…`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack="${1:?usage: infra/destroy.sh STACK [REGION]}"
region="${2:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"
[[ -n "$region" ]] || { echo "infra/destroy.sh: name the region (second argument or AWS_REGION)" >&2; exit 1; }

# The table names, read before the stack (and its outputs) is gone.
tables="$("$root/infra/sam.sh" list stack-outputs --stack-name "$stack" --region "$region" --output json |
  python3 -c 'import json,sys; print("\n".join(o["OutputValue"] for o in json.load(sys.stdin) if o["OutputKey"].endswith("TableName")))')"

cat >&2 <<MSG
This deletes stack $stack in $region: its functions, API (and custom domain mapping), schedules,
failure queues (with any message still in them), alarms and log groups.
Its tables are KEPT, with all their data, and go on costing storage:
$(sed 's/^/  /' <<<"$tables")
MSG
if [[ "${CONFIRM:-}" != "$stack" ]]; then
  [[ -t 0 ]] || { echo "infra/destroy.sh: not a terminal; run with CONFIRM=$stack to go ahead" >&2; exit 1; }
  read -r -p "Type the stack's name to delete it: " answer
  [[ "$answer" == "$stack" ]] || { echo "Not deleted." >&2; exit 1; }
fi
"$root/infra/sam.sh" delete --stack-name "$stack" --region "$region" --no-prompts

cat >&2 <<MSG
Deleted $stack. The tables above remain. To delete one for good (this cannot be undone; take an
on-demand backup first if in doubt), turn its deletion protection off, then delete it:
  aws dynamodb update-table --region $region --table-name TABLE --no-deletion-protection-enabled
  aws dynamodb delete-table --region $region --table-name TABLE
MSG
