#!/usr/bin/env bash
# apidiff.sh BASE [PACKAGE...] — the public API change of each library
# package (default echohf, echohftest, jwtstore and mock) between the commit
# BASE and the work tree.
#
# It exports BASE's API from a temporary clone and compares the work tree
# against it with golang.org/x/exp/cmd/apidiff. apidiff exits 0 even when it
# finds an incompatible change, so this script reads its output and exits 1
# when any package has an "Incompatible changes:" section.
#
# A type moved behind an alias (type T = core.T) is reported as
# "T: changed from T to .../core.T", and so is every signature using it:
# users' code still compiles (golang/go#37138). Read such lines by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/apidiff.sh BASE-COMMIT [PACKAGE...]}
shift
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(echohf echohftest jwtstore mock)
APIDIFF_VERSION=${APIDIFF_VERSION:-v0.0.0-20261113113407-e3970619a1a4}
export PATH="$PATH:/usr/local/go/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp/bin" go install "golang.org/x/exp/cmd/apidiff@$APIDIFF_VERSION"
apidiff="$tmp/bin/apidiff"
mod=$(go list -m)
git clone -q "$(pwd)" "$tmp/base"
git -C "$tmp/base" checkout -q "$base"
status=0
for p in "${pkgs[@]}"; do
	if ! (cd "$tmp/base" && "$apidiff" -w "$tmp/$p.api" "$mod/$p"); then
		echo "== $p: not in $base"
		continue
	fi
	out=$("$apidiff" "$tmp/$p.api" "$mod/$p")
	if [ -z "$out" ]; then
		echo "== $p: no API change"
		continue
	fi
	printf '== %s\n%s\n' "$p" "$out"
	case $out in *"Incompatible changes:"*) status=1 ;; esac
done
exit $status
