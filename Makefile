# Every command a newcomer needs, in one place. `make dev` and `make test` work on a fresh machine
# with Rust, Java 17 and npm (npm only once, to fetch DynamoDB Local into .cache/).
.PHONY: dev test openapi unit admin lint fmt clippy build sam-build deploy destroy admin-env invoke validate static-checks rollup score-topics bench bench-lambda fuzz

DYNAMODB := infra/dynamodb-local.sh run
# One build serves every target: exactly what `cargo test --workspace` builds (the same packages
# and features, so nothing compiles twice, candle included); binaries then run straight from target/.
BUILD := cargo test --workspace --no-run -q
BIN := $${CARGO_TARGET_DIR:-target}/debug

## Start the whole API on 127.0.0.1:$${PORT:-3000} over DynamoDB Local; prints demo keys and curl lines.
dev:
	infra/model.sh fetch >/dev/null
	$(BUILD)
	$(DYNAMODB) $(BIN)/hearken-local

## Run every test (unit, HTTP end to end, the survey page in headless Chromium, events, admin CLI)
## against one DynamoDB Local. Installs Debian's chromium + chromium-driver first if missing.
## Four tests at a time even on two cores: tests spend much of their time waiting (stream polls,
## settling), and four keep both cores busy.
test:
	infra/chromium.sh ensure
	infra/model.sh fetch >/dev/null
	$(DYNAMODB) env RUST_TEST_THREADS=$${RUST_TEST_THREADS:-4} cargo test --workspace

## Fuzz every route against the document /openapi.json serves (schemathesis, pinned, in
## .cache/schemathesis-venv): seed 42 (at least 5,000 cases) and a random seed, printed; reports in target/schemathesis/.
fuzz:
	infra/schemathesis.sh

## Rewrites functions/docs/openapi.json, the document /openapi.json serves, from the routes'
## attributes and types (a test fails until it is current).
openapi:
	$(BUILD)
	$(BIN)/hearken-openapi

## Unit tests only (no DynamoDB needed).
unit:
	cargo test --workspace --lib --bins

## The admin CLI: make admin ARGS="create-account --name Acme --plan STARTER" (needs a running stack's env).
admin:
	$(BUILD)
	$(BIN)/hearken-admin $(ARGS)

fmt:
	cargo fmt --all

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

## sam validate --lint (aws-sam-cli from PyPI in .cache/sam-venv).
validate:
	infra/sam.sh validate --lint

## cfn-lint (informational rules on) and checkov on template.yaml, pinned from PyPI; checkov's
## remaining findings are waived in infra/checkov.yaml, one line of reason each. CI runs it.
static-checks:
	infra/static-checks.sh

lint: validate static-checks clippy
	cargo fmt --all -- --check

## Lambda binaries for arm64 (cargo-lambda and its Zig from PyPI, pinned, in the same venv).
build:
	infra/sam.sh --version >/dev/null
	PATH="$(CURDIR)/.cache/sam-venv/bin:$$PATH" cargo lambda build --release --arm64

## What `sam deploy` uploads: every function built for arm64 and the topics model as a layer
## (.cache/models/layer/ becomes /opt; infra/sam.sh refuses to build without it). Not in CI: the
## release arm64 build of fourteen functions takes far longer on two cores than CI's budget allows
## (README, "Deploying").
sam-build:
	infra/model.sh fetch >/dev/null
	rm -rf .cache/models/layer && mkdir -p .cache/models/layer/all-MiniLM-L6-v2
	cp .cache/models/all-MiniLM-L6-v2/model-f16.safetensors .cache/models/all-MiniLM-L6-v2/tokenizer.json \
	  .cache/models/all-MiniLM-L6-v2/config.json .cache/models/layer/all-MiniLM-L6-v2/
	infra/sam.sh build

## Build and deploy the stage STAGE (default prod) as its own stack: the first time guided (the
## answers go to samconfig.toml under [STAGE.deploy.parameters]), then without a question.
STAGE ?= prod
deploy: sam-build
	infra/deploy.sh $(STAGE)

## Delete the stack STACK (REGION, or AWS_REGION); its tables and their data are kept (Retain).
destroy:
	infra/destroy.sh $(STACK) $(REGION)

## Print the exports that point hearken-admin at the stack STACK: eval "$$(make -s admin-env STACK=…)".
admin-env:
	@infra/admin-env.sh $(STACK) $(REGION)

## One function in Docker against `DYNAMODB_LOCAL_PORT=8000 make dev`, after `make sam-build`:
## make invoke FUNCTION=FeedbackFunction EVENT=events/feedback-create.json
invoke:
	infra/sam-local-invoke.sh $(FUNCTION) $(EVENT)

## The nightly rollup's handler, now, against the stack `make dev` runs (export the
## AWS_ENDPOINT_URL_DYNAMODB and HEARKEN_TABLE_PREFIX it prints first).
rollup:
	$(BUILD)
	$(BIN)/hearken-admin rollup

## Topic quality: the local stack and ../shared/tools/score-topics on the labelled fixtures.
score-topics:
	infra/score-topics.sh

## Analytics cost before and after the rollup, 100,000 responses over 90 days on DynamoDB Local.
bench:
	$(DYNAMODB) cargo run -q --release -p hearken-local --bin hearken-bench

## Every HTTP function against the smallest Rust Lambda with a DynamoDB client (infra/bench/anchor/):
## init, first response, warm latency, peak RSS and binary size through a Lambda Runtime API
## emulator over DynamoDB Local; x86_64 timed, arm64 (cargo-lambda) sized. ~10 min after a first build.
bench-lambda:
	infra/bench/bench-lambda.sh
