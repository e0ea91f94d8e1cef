#!/usr/bin/env bash
# Runs every test: .NET (NUnit), the benchmark smoke pass, and JavaScript interop (node --test) against the .NET
# server, its Node twin, and mixed .NET/Node clusters on Redis. Every runner runs even when an earlier one failed;
# the run ends with one line per runner and a total line (`N passed, M failed, K skipped`), and fails if any did.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || exit 1

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
summary=()
failures=()
total_passed=0 total_failed=0 total_skipped=0 any_failed=0

# count LOG KIND → "passed failed skipped" read from a runner's own closing lines.
count() {
  case "$2" in
    nunit)
      # dotnet test (minimal verbosity): "Passed!  - Failed:     0, Passed:  1308, Skipped:     0, Total: …"
      grep -E '(Passed|Failed)! +- Failed: ' "$1" | tail -n 1 |
        sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' ;;
    node)
      # node --test: "# pass N", "# fail N", "# cancelled N", "# skipped N", "# todo N"
      awk '/^# pass /{p=$3} /^# fail /{f+=$3} /^# cancelled /{f+=$3} /^# skipped /{s+=$3} /^# todo /{s+=$3}
           END{if (p != "") print p+0, f+0, s+0}' "$1" ;;
    bench)
      # bench/run.mjs: "37 run(s), 0 failed, 12 s; …" and "<scenario>: skipped (…)"
      awk '/^[0-9]+ run\(s\), [0-9]+ failed/{r=$1; f=$3} /: skipped \(/{s++}
           END{if (r != "") print r-f, f+0, s+0}' "$1" ;;
  esac
}

# step NAME KIND COMMAND...: runs one runner, shows its output, records its counts.
step() {
  local name=$1 kind=$2 log status counts passed failed skipped
  shift 2
  log="$logs/${#summary[@]}.log"
  echo "==> $name"
  "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  counts=$(count "$log" "$kind")
  if [ -z "$counts" ]; then
    # No closing line: the runner did not get as far as reporting (a build or start-up failure).
    counts="0 1 0"
  fi
  read -r passed failed skipped <<<"$counts"
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # it failed without naming a test: count the runner itself
  fi
  [ "$failed" -gt 0 ] && any_failed=1
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  summary+=("$(printf '%-62s %5d passed, %d failed, %d skipped (exit %d)' "$name:" "$passed" "$failed" "$skipped" "$status")")
  # The names of what failed, repeated after the summary: a CI log is often read from its tail only.
  if [ "$failed" -gt 0 ]; then
    failures+=("--- $name")
    mapfile -t -O "${#failures[@]}" failures < <(
      { grep -E -A 6 '^\s+Failed [^!]' "$log"; grep -E -A 12 '^\s*not ok ' "$log"; } | head -n 80)
  fi
}

step "NUnit" nunit \
  dotnet test SocketIo.Tests/SocketIo.Tests.csproj -c Release --no-build -nologo -v:minimal

step "benchmark smoke pass (tiny sizes, exact counts)" bench \
  npm run --silent bench:smoke

step "benchmark tools (jsload fails wrong acks, uWS native check)" node \
  node --test --test-concurrency=1 bench/tests/

step "JS interop vs the Node twin" node \
  env SERVER_IMPL=node CLUSTER3_IMPLS=node,node,node node --test --test-concurrency=1 interop-tests/

step "JS mixed cluster (.NET + Node)" node \
  env CLUSTER_IMPLS=dotnet,node node --test --test-concurrency=1 interop-tests/cluster.test.mjs

step "JS interop vs the .NET server" node \
  env SERVER_IMPL=dotnet node --test --test-concurrency=1 interop-tests/

step "JS client suites vs .NET, WebSockets through ASP.NET" node \
  env DIRECT_WEBSOCKETS=0 SERVER_IMPL=dotnet node --test --test-concurrency=1 \
  interop-tests/engine.test.mjs interop-tests/engine-hooks.test.mjs interop-tests/socketio-contract.test.mjs interop-tests/socketio-robustness.test.mjs \
  interop-tests/per-message-deflate.test.mjs

echo
echo "==> summary"
printf '%s\n' "${summary[@]}"
if [ "${#failures[@]}" -gt 0 ]; then
  echo
  echo "==> what failed"
  printf '%s\n' "${failures[@]}"
fi
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$any_failed"
