#!/usr/bin/env bash
# Throughput of a logged-in request against bare Echo, under wrk: builds
# scripts/wrk/server (the greet handler bare, and behind echohf's Auth with
# a Space-like session: three organizations, avatars on the Hub's CDN),
# then runs wrk in turn against bare Echo, bare Echo sent the session's
# Cookie header (which it ignores), and the app behind Auth with that
# header, ROUNDS times. It prints requests/s and the ratios
# of the medians: auth / bare is a logged-in request against an anonymous
# one; auth / bare+cookie is the middleware alone, the cookie's bytes being
# on the wire and through net/http's header parser in both. See
# docs/performance.md. Needs wrk (Debian: apt-get install wrk) and curl.
#
#   scripts/wrk.sh                       # -t2 -c64 -d10s, 3 rounds
#   DURATION=30s ROUNDS=5 scripts/wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}

command -v wrk >/dev/null || { echo "wrk not found: install it (Debian: apt-get install wrk)" >&2; exit 1; }
dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

go build -o "$dir/server" ./scripts/wrk/server
"$dir/server" -cookie "$dir/cookie" >"$dir/urls" &
pid=$!
for _ in $(seq 100); do
  [ "$(grep -c . "$dir/urls" 2>/dev/null)" = 2 ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
  sleep 0.1
done
bare=$(awk '$1 == "bare" { print $2 }' "$dir/urls")
auth=$(awk '$1 == "auth" { print $2 }' "$dir/urls")
[ -n "$bare" ] && [ -n "$auth" ] || { echo "the server printed no URLs" >&2; exit 1; }
cookie=$(cat "$dir/cookie")
# wrk does not look at the answers: make sure the header it sends signs in.
greeting=$(curl -fsS -H "Cookie: $cookie" "$auth")
[ "$greeting" = '{"msg":"Hello, mockuser!"}' ] || { echo "the auth app answered $greeting to the session" >&2; exit 1; }

# run ROUTE URL [wrk args...]: one wrk run; prints its requests/s. Any
# error or non-2xx answer fails the script.
run() {
  local route=$1 url=$2 out
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" "$url")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "wrk against $route reported errors:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, on $(nproc) cores (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-6s %14s %14s %14s\n' round bare bare+cookie auth
bares=() bareck=() auths=()
for i in $(seq "$ROUNDS"); do
  b=$(run bare "$bare")
  c=$(run bare+cookie "$bare" -H "Cookie: $cookie")
  a=$(run auth "$auth" -H "Cookie: $cookie")
  bares+=("$b") bareck+=("$c") auths+=("$a")
  printf '%-6s %14s %14s %14s\n' "$i" "$b" "$c" "$a"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mb=$(median "${bares[@]}")
mc=$(median "${bareck[@]}")
ma=$(median "${auths[@]}")
printf '%-6s %14s %14s %14s\n' median "$mb" "$mc" "$ma"
awk -v a="$ma" -v b="$mb" -v c="$mc" 'BEGIN {
  printf "auth / bare:        %.2fx (a logged-in request against an anonymous one)\n", a / b
  printf "auth / bare+cookie: %.2fx (the middleware alone)\n", a / c
}'
