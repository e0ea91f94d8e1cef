#!/usr/bin/env bash
# Coverage-guided fuzzing of one decoder with afl++ and SharpFuzz.
#   fuzz/run.sh <target> [seconds=600]     e.g. fuzz/run.sh socketio-packet 300
# Installs afl++ (Debian) and the sharpfuzz tool when missing, publishes the harness to fuzz/out/<target>/bin,
# instruments the library assemblies there (never the normal build output: the tests must run uninstrumented),
# seeds afl-fuzz from fuzz/corpus/<target>, and copies what it finds to fuzz/out/<target>/{queue,crashes,hangs}.
# Crashes worth keeping go to fuzz/crashes/<target>/ by hand, with a regression test (SocketIo.Tests/Fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: fuzz/run.sh <target> [seconds]}
seconds=${2:-600}
[ -d "fuzz/corpus/$target" ] || { echo "no corpus fuzz/corpus/$target (targets: $(ls fuzz/corpus | tr '\n' ' '))" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "==> installing afl++"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; }
fi

tools=fuzz/out/tools
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "==> installing the sharpfuzz tool"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

out=fuzz/out/$target
rm -rf "$out/bin" "$out/findings"
mkdir -p "$out"
echo "==> publishing the harness"
# One publish at a time: two runs side by side would otherwise build into the same obj/ at once.
flock fuzz/out/.publish.lock dotnet publish fuzz/SocketIo.Fuzz/SocketIo.Fuzz.csproj -c Release -o "$out/bin" -nologo -v:quiet >/dev/null
for dll in SocketIo.Server.dll SocketIo.Redis.dll SocketIo.DirectWebSockets.dll; do
  "$tools/sharpfuzz" "$out/bin/$dll" >/dev/null
done

echo "==> afl-fuzz $target for ${seconds}s"
# dotnet itself is not afl-instrumented (SharpFuzz reports the coverage), hence SKIP_BIN_CHECK; the first run includes
# the runtime's start-up, so the timeout is generous; persistent mode keeps one process for many inputs.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
afl-fuzz -i "fuzz/corpus/$target" -o "$out/findings" -t 5000 -m none -V "$seconds" -- dotnet "$out/bin/SocketIo.Fuzz.dll" "$target" \
  >"$out/afl.log" 2>&1 || { tail -n 30 "$out/afl.log" >&2; exit 1; }

stats=$out/findings/default/fuzzer_stats
for f in queue crashes hangs; do
  rm -rf "${out:?}/$f"
  mkdir -p "$out/$f"
  find "$out/findings/default/$f" -type f -name 'id:*' -exec cp {} "$out/$f/" \; 2>/dev/null || true
done
awk -F' *: *' '/^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|edges_found|saved_crashes|saved_hangs)/{printf "%s=%s ", $1, $2} END{print ""}' "$stats" |
  tee "$out/summary.txt"
