#!/usr/bin/env bash
# Throughput of a logged-in request against bare Echo, under wrk, on Echo
# v4 (echohf) and Echo v5 (echohf5): builds scripts/wrk/server (the greet
# handler bare, and behind Auth with a Space-like session: three
# organizations, avatars on the Hub's CDN), then runs wrk in turn, for each
# Echo version, against bare Echo, bare Echo sent the session's Cookie
# header (which it ignores), and the app behind Auth with that header,
# ROUNDS times. It prints requests/s and the ratios of the medians:
# auth / bare is a logged-in request against an anonymous one;
# auth / bare+cookie is the middleware alone, the cookie's bytes being on
# the wire and through net/http's header parser in both. v4-authcold is
# auth with the session cache off (every request a first sight): cold /
# bare+cookie is what a replica keeps on cookies it has not verified yet. See
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
  [ "$(grep -c . "$dir/urls" 2>/dev/null)" = 5 ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
  sleep 0.1
done
url() { awk -v n="$1" '$1 == n { print $2 }' "$dir/urls"; }
cookie=$(cat "$dir/cookie")
for app in bare auth bare5 auth5 authcold; do
  [ -n "$(url $app)" ] || { echo "the server printed no URL for $app" >&2; exit 1; }
done
# wrk does not look at the answers: make sure the header it sends signs in.
for app in auth auth5 authcold; do
  greeting=$(curl -fsS -H "Cookie: $cookie" "$(url $app)")
  [ "$greeting" = '{"msg":"Hello, mockuser!"}' ] || { echo "$app answered $greeting to the session" >&2; exit 1; }
done

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
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-6s %12s %12s %12s %12s %12s %12s %12s\n' round v4-bare v4-bare+ck v4-auth v5-bare v5-bare+ck v5-auth v4-authcold
cols=(b4 c4 a4 b5 c5 a5 k4)
declare -A all ratios
for i in $(seq "$ROUNDS"); do
  b4=$(run v4-bare "$(url bare)")
  c4=$(run v4-bare+cookie "$(url bare)" -H "Cookie: $cookie")
  a4=$(run v4-auth "$(url auth)" -H "Cookie: $cookie")
  b5=$(run v5-bare "$(url bare5)")
  c5=$(run v5-bare+cookie "$(url bare5)" -H "Cookie: $cookie")
  a5=$(run v5-auth "$(url auth5)" -H "Cookie: $cookie")
  k4=$(run v4-authcold "$(url authcold)" -H "Cookie: $cookie")
  for c in "${cols[@]}"; do all[$c]+="${!c} "; done
  for v in 4 5; do
    b=b$v c=c$v a=a$v
    ratios[ab$v]+="$(awk -v a="${!a}" -v b="${!b}" 'BEGIN { print a / b }') "
    ratios[ac$v]+="$(awk -v a="${!a}" -v c="${!c}" 'BEGIN { print a / c }') "
  done
  ratios[kb4]+="$(awk -v k="$k4" -v b="$b4" 'BEGIN { print k / b }') "
  ratios[kc4]+="$(awk -v k="$k4" -v c="$c4" 'BEGIN { print k / c }') "
  printf '%-6s %12s %12s %12s %12s %12s %12s %12s\n' "$i" "$b4" "$c4" "$a4" "$b5" "$c5" "$a5" "$k4"
done
declare -A med
for c in "${cols[@]}"; do
  # shellcheck disable=SC2086 # the values are words of one string
  med[$c]=$(median ${all[$c]})
done
printf '%-6s %12s %12s %12s %12s %12s %12s %12s\n' median "${med[b4]}" "${med[c4]}" "${med[a4]}" "${med[b5]}" "${med[c5]}" "${med[a5]}" "${med[k4]}"
# The ratios of the medians, then the medians of the ratios round by round
# (runs of one round are close in time: a change of load moves those less).
for v in 4 5; do
  # shellcheck disable=SC2086 # the values are words of one string
  rab=$(median ${ratios[ab$v]}) rac=$(median ${ratios[ac$v]})
  awk -v v="$v" -v a="${med[a$v]}" -v b="${med[b$v]}" -v c="${med[c$v]}" -v rab="$rab" -v rac="$rac" 'BEGIN {
    printf "Echo v%s: auth / bare        %.2fx (round by round %.2fx): logged in against anonymous\n", v, a / b, rab
    printf "Echo v%s: auth / bare+cookie %.2fx (round by round %.2fx): the middleware alone\n", v, a / c, rac
  }'
done
# shellcheck disable=SC2086 # the values are words of one string
rkb=$(median ${ratios[kb4]}) rkc=$(median ${ratios[kc4]})
awk -v k="${med[k4]}" -v b="${med[b4]}" -v c="${med[c4]}" -v rkb="$rkb" -v rkc="$rkc" 'BEGIN {
  printf "Echo v4: authcold / bare        %.2fx (round by round %.2fx): cache off, logged in against anonymous\n", k / b, rkb
  printf "Echo v4: authcold / bare+cookie %.2fx (round by round %.2fx): cache off, for the same Cookie header\n", k / c, rkc
}'
