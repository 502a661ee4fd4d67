#!/usr/bin/env bash
# Compares instructions per benchmark op between an older revision and the
# working tree, with valgrind's callgrind: unlike ns/op, instruction counts
# are the same from run to run whatever else the machine is doing.
#
# Usage: bench/instructions.sh REV [PKG:BENCH ...]
#   REV        the revision to compare against (e.g. a tag or a commit)
#   PKG:BENCH  a package directory in each tree and an anchored benchmark
#              regexp; the defaults cover the rewriter and the handler.
#
# Each op's count is (total at N+1 iterations - total at 1) / N, with the GC
# off, one CPU and no asynchronous preemption, so the start-up, the first
# iteration and the runtime's background work cancel out.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/instructions.sh REV [PKG:BENCH ...]}
shift
specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
	specs=(
		"sdk/rewrite:^BenchmarkRewritePublisher1MB32K\$" "sdk/rewrite:^BenchmarkRewrite1MB32K\$"
		"sdk/rewrite:^BenchmarkRewrite1MB4K\$" "sdk/rewrite:^BenchmarkLexerOnly1MB\$"
		"sdk:^BenchmarkHandler\$/^html-1024KB/consent\$" "sdk:^BenchmarkHandler\$/^landing-2KB/consent\$"
		"sdk:^BenchmarkHandler\$/^landing-2KB/granted\$" "sdk:^BenchmarkHandler\$/^passthrough-100KB/granted\$"
	)
fi
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d)
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/old" "$rev" >/dev/null 2>&1

# count BINARY BENCH N: instructions per op over N iterations.
count() {
	local t=() n
	for bt in 1x "$(( $3 + 1 ))x"; do
		# valgrind now and then trips over a Go signal; run again then.
		for try in 1 2 3 4; do
			GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
				--callgrind-out-file=/dev/null "$1" -test.run '^$' -test.bench "$2" \
				-test.benchtime "$bt" -test.cpu 1 >"$work/log" 2>&1 || true
			n=$(grep -o 'Collected : [0-9]*' "$work/log" | awk '{print $3}')
			[ -n "$n" ] && grep -q '^ok\|^PASS' "$work/log" && break
			n=
		done
		[ -n "$n" ] || { echo "callgrind failed on $1 $2:" >&2; tail -5 "$work/log" >&2; exit 1; }
		t+=("$n")
	done
	echo $(( (t[1] - t[0]) / $3 ))
}

echo "| benchmark | $rev | working tree | ratio |"
echo "|---|---|---|---|"
for spec in "${specs[@]}"; do
	pkg=${spec%%:*} bench=${spec#*:}
	declare -A bin
	for side in old new; do
		dir=$PWD; [ "$side" = old ] && dir=$work/old
		# The package may have moved: the rewriter was in sdk before it had its own.
		p=$pkg; [ -d "$dir/$p" ] || p=sdk
		bin[$side]=$work/$side-${p//\//_}.test
		[ -f "${bin[$side]}" ] || (cd "$dir/$p" && go test -c -o "${bin[$side]}" .)
	done
	n=10; case $bench in *2KB*|*100KB*) n=1000 ;; esac
	old=$(count "${bin[old]}" "$bench" $n)
	new=$(count "${bin[new]}" "$bench" $n)
	awk -v b="$bench" -v o="$old" -v n="$new" 'BEGIN { printf "| %s | %d | %d | %.3f |\n", b, o, n, n / o }'
done
