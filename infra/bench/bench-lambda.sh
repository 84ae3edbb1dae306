#!/usr/bin/env bash
# `make bench-lambda`: builds every HTTP function and the anchor (infra/bench/anchor/) as release
# binaries, for x86_64 (timed here) and for arm64 with cargo-lambda (sized; timed too when
# qemu-aarch64 and an arm64 C library are installed), then times them against DynamoDB Local
# through the Runtime API emulator (infra/bench/bench_lambda.py, runtime_emulator.py).
#
#   BENCH_ROUNDS=15   cold starts of each binary (interleaved with the anchor)
#   BENCH_WARM=40     warm calls of each
#   BENCH_ARM64=0     skip the arm64 build
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
anchor_target="$target/bench-anchor"
packages=(-p hearken-feedback -p hearken-projects -p hearken-account -p hearken-widget -p hearken-surveys
  -p hearken-survey-page -p hearken-analytics -p hearken-fallback -p hearken-docs -p hearken-webhooks)
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)" >&2; }

# The local stack seeds the tables (template.yaml's) and the demo account; it is what `make dev`
# runs, from the one debug build every make target shares.
step "debug build (hearken-local)"
cargo test --workspace --no-run -q

step "x86_64 release build of the HTTP functions"
cargo build --release -q "${packages[@]}" --bins
step "x86_64 release build of the anchor"
cargo build --release -q --locked --manifest-path infra/bench/anchor/Cargo.toml --target-dir "$anchor_target"

args=(--arch x86_64 --bin-dir "$target/release" --anchor "$anchor_target/release/anchor")
if [[ "${BENCH_ARM64:-1}" != 0 ]]; then
  step "arm64 release build with cargo-lambda (as make build)"
  infra/sam.sh --version >/dev/null   # makes .cache/sam-venv with the pinned cargo-lambda once
  rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
  export PATH="$root/.cache/sam-venv/bin:$PATH"
  cargo lambda build --release --arm64 --quiet "${packages[@]}"
  CARGO_TARGET_DIR="$anchor_target" cargo lambda build --release --arm64 --quiet --locked \
    --manifest-path infra/bench/anchor/Cargo.toml
  args+=(--arch arm64 --bin-dir "$target/lambda" --anchor "$anchor_target/lambda/anchor/bootstrap")
fi

step "timing (DynamoDB Local)"
infra/dynamodb-local.sh run python3 infra/bench/bench_lambda.py run \
  --hearken-local "$target/debug/hearken-local" "${args[@]}"
