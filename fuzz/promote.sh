#!/usr/bin/env bash
# Promotes afl's finds into the committed seed corpus: the queue entries of fuzz/out/<target> that added coverage
# (+cov), smallest first, at most <max> of them (default 40) and none over 1 KB, named by content hash like the seeds.
# The committed corpus stays small (the replay test runs it on every CI run) and starts the next afl run further on.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/promote.sh <target> [max]}
max=${2:-40}
queue=fuzz/out/$target/findings/default/queue
[ -d "$queue" ] || { echo "no afl queue at $queue: run fuzz/run.sh $target first" >&2; exit 2; }
added=0
while read -r size file; do
  [ "$added" -lt "$max" ] || break
  [ "$size" -le 1024 ] || break
  name=$(sha1sum "$file" | cut -c1-16)
  if [ ! -e "fuzz/corpus/$target/$name" ]; then
    cp "$file" "fuzz/corpus/$target/$name"
    added=$((added + 1))
  fi
done < <(find "$queue" -maxdepth 1 -type f -name 'id:*+cov*' -printf '%s %p\n' | sort -n)
echo "$target: $added queue entries promoted"
