#!/usr/bin/env bash
# The Auth middleware against bare Echo, and the renewal paths: COUNT
# rounds of the four benchmarks from one test binary, interleaved (each
# round runs each benchmark once, so a change of load on a shared machine
# hits both sides of the ratio alike), then benchstat: medians with their
# spread, and AuthMiddleware as a change from BareEcho. See
# docs/performance.md. benchstat comes through the Go module proxy (set
# BENCHSTAT to use another).
#
#   scripts/bench.sh            # 10 rounds
#   COUNT=20 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
COUNT=${COUNT:-10}
BENCHSTAT=${BENCHSTAT:-go run golang.org/x/perf/cmd/benchstat@latest}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

go test -c -o "$dir/echohf.test" ./echohf/
go test -c -o "$dir/hfauth.test" ./hfauth/
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The middleware benchmarks are echohf's (through Echo); the renewal ones
# are the core's, hfauth's. Each round keeps its pkg: headers, so that
# benchstat files every result under its own package.
for i in $(seq "$COUNT"); do
  (cd echohf && "$dir/echohf.test" -test.run '^$' -test.benchmem \
    -test.bench 'BenchmarkAuthMiddleware$|BenchmarkBareEcho$')
  (cd hfauth && "$dir/hfauth.test" -test.run '^$' -test.benchmem \
    -test.bench 'BenchmarkAuthRefresh|BenchmarkAuthRevalidate')
done | grep -v '^PASS$' | tee "$dir/out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
$BENCHSTAT "$dir/out"
# The two greet benchmarks as one, by middleware, so that benchstat gives
# the change from BareEcho to AuthMiddleware.
sed -nE 's/^BenchmarkBareEcho(-[0-9]+)?\s/BenchmarkGreet\/mw=bare\1 /p; s/^BenchmarkAuthMiddleware(-[0-9]+)?\s/BenchmarkGreet\/mw=auth\1 /p' "$dir/out" >"$dir/pair"
$BENCHSTAT -col '/mw@(bare auth)' "$dir/pair"
# Within each round the two ran seconds apart: the median of the rounds'
# ratios is the figure least moved by other work on the machine.
awk '/^BenchmarkAuthMiddleware(-[0-9]+)?[ \t]/ { a[++na] = $3 } /^BenchmarkBareEcho(-[0-9]+)?[ \t]/ { b[++nb] = $3 }
  END { for (i = 1; i <= na && i <= nb; i++) print a[i] / b[i] }' "$dir/out" | sort -g |
  awk '{ r[NR] = $1 } END { printf "AuthMiddleware / BareEcho, round by round: median %.2fx (from %.2fx to %.2fx, %d rounds)\n",
    (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2, r[1], r[NR], NR }'
