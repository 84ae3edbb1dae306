#!/usr/bin/env bash
# Prints the exports that point hearken-admin at a deployed stack: the seven *_TABLE variables
# from the stack's outputs (AccountsTableName → ACCOUNTS_TABLE…), its region, and no local
# endpoint. Usage: eval "$(infra/admin-env.sh STACK [REGION])", or `make admin-env STACK=…`.
# Credentials come from the standard chain: AWS_PROFILE may name an SSO or credential_process
# profile (`aws sso login --profile …` first), as for any AWS tool.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack="${1:?usage: infra/admin-env.sh STACK [REGION]}"
region="${2:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"
[[ -n "$region" ]] || { echo "infra/admin-env.sh: name the region (second argument or AWS_REGION)" >&2; exit 1; }

outputs="$("$root/infra/sam.sh" list stack-outputs --stack-name "$stack" --region "$region" --output json)"
OUTPUTS="$outputs" REGION="$region" python3 - <<'PY'
import json, os, re, shlex, sys
outputs = {o["OutputKey"]: o["OutputValue"] for o in json.loads(os.environ["OUTPUTS"])}
tables = {k: v for k, v in outputs.items() if k.endswith("TableName")}
# AccountsTableName → ACCOUNTS_TABLE: the variable each function reads (template.yaml, Globals).
names = {re.sub(r"(?<!^)(?=[A-Z])", "_", k[: -len("TableName")]).upper() + "_TABLE": v for k, v in tables.items()}
if len(names) < 7:
    sys.exit(f"infra/admin-env.sh: the stack has {len(names)} table outputs, not 7: is it a Hearken stack?")
print("unset AWS_ENDPOINT_URL_DYNAMODB HEARKEN_TABLE_PREFIX")
print(f"export AWS_REGION={shlex.quote(os.environ['REGION'])}")
for name, table in sorted(names.items()):
    print(f"export {name}={shlex.quote(table)}")
PY
