#!/usr/bin/env bash
# Runs every fuzz target briefly (CI smoke run), from the committed seeds.
#   fuzz/smoke.sh                 # 15 s per target
#   FUZZ_SECONDS=600 fuzz/smoke.sh   # a longer run
#   fuzz/smoke.sh sio_packet      # some targets only
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). The stable toolchain is used with
# RUSTC_BOOTSTRAP=1 for the nightly-only flags cargo-fuzz passes (sanitizer, coverage).
# New interesting inputs go to fuzz/corpus/<target> (not committed); a crash leaves its input
# in fuzz/artifacts/<target> and fails the script. Prints the executions per target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export RUSTC_BOOTSTRAP=1
seconds="${FUZZ_SECONDS:-15}"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -O
failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  if cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=1
    tail -40 "$log"
  fi
  execs="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)"
  summary+=("$(printf '%-16s %-6s %12s executions in %ss' "$t" "$status" "${execs:-?}" "$seconds")")
  rm -f "$log"
done
printf '%s\n' "fuzz smoke run:" "${summary[@]}"
exit "$failed"
