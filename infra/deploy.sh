#!/usr/bin/env bash
# Deploys the last `sam build` as the stage named STAGE (a config environment of samconfig.toml,
# which is git-ignored: each operator's machine keeps its own). The first deploy of a stage is
# guided (stack name, region, parameters: answers saved under [STAGE.deploy.parameters]); every
# later one replays the saved answers without a question. Usage: infra/deploy.sh STAGE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stage="${1:?usage: infra/deploy.sh STAGE}"
[[ "$stage" =~ ^[a-z][a-z0-9-]{0,19}$ ]] || { echo "infra/deploy.sh: STAGE must be lower-case letters, digits and dashes" >&2; exit 1; }

if grep -qs "^\[$stage\.deploy\.parameters\]" "$root/samconfig.toml"; then
  exec "$root/infra/sam.sh" deploy --config-env "$stage" --no-confirm-changeset --no-fail-on-empty-changeset
fi
cat >&2 <<MSG
First deploy of stage "$stage": answer the questions; they are saved in samconfig.toml under
[$stage.deploy.parameters]. Suggested: stack name hearken-$stage, parameter Stage=$stage, an
AlarmEmail, and "Save arguments to configuration file" yes.
MSG
exec "$root/infra/sam.sh" deploy --guided --config-env "$stage"
