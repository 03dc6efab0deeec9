#!/usr/bin/env bash
# Real-browser test of the SAM explorer (notebooks/08-explore.ipynb):
#  1. installs what it needs (Jupyter, GoNB and its kernel via notebooks/setup.sh;
#     Debian's chromium via apt; playwright-core from the lock file — no browser
#     download);
#  2. computes the values the library gives for the choices the test makes
#     (go run ./explore/cmd/expect; in the quick configuration, training the
#     quick models into out/cache if they are missing);
#  3. starts `jupyter notebook` headless on 127.0.0.1 with a random token and the
#     GoNB kernel, opens 08-explore.ipynb in Chromium, runs all cells, moves the
#     layer slider, changes the unit, and checks the image and the printed SA;
#  4. stops the servers it started, whatever happens.
# Screenshots and logs go to notebooks/browser-test/out/ (git-ignored).
# Usage: notebooks/browser-test/run.sh   (PROTOSEG_DIMS=3 for a volume)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/out"
start=$(date +%s)
mkdir -p "$out"
rm -f "$out"/*.png "$out"/result.json "$out"/expect.json
export GOBIN="${GOBIN:-$HOME/go/bin}"
export PATH="$GOBIN:$PATH"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

# 1. Installs.
bash "$root/notebooks/setup.sh"
if [ ! -x /usr/bin/chromium ]; then
	echo "== installing chromium from apt"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
	echo "== installing playwright-core (npm ci)"
	(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# 2. Expected values, in the quick configuration on one dataset (with
#    PROTOSEG_DIMS=3, a volume: also the coronal slice through the object's
#    centre and coronal slice 2).
export PROTOSEG_QUICK=1
steps=18:0,6:0,6:1,6:2
if [ "${PROTOSEG_DIMS:-}" = 3 ]; then
	export PROTOSEG_DATASETS="${PROTOSEG_DATASETS:-brats-synth3d}"
	steps="$steps,6:2:coronal,6:2:coronal:2"
fi
export PROTOSEG_DATASETS="${PROTOSEG_DATASETS:-isic-synth}"
export PROTOSEG_CACHE="${PROTOSEG_CACHE:-$out/cache}"
export PROTOSEG_EXPLORE_IDLE=900
echo "== expected values (library)"
(cd "$root" && go run ./explore/cmd/expect -rank 0 -mode online -steps "$steps" >"$out/expect.json" 2>"$out/expect.log") || {
	grep -v '^I[0-9]\{4\}' "$out/expect.log" | tail -20
	exit 1
}

# 3. Jupyter, headless, on loopback, with a token.
nb="$root/notebooks/08-explore.ipynb"
cp "$nb" "$out/08-explore.ipynb.orig"
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
jpid=""
cleanup() {
	if [ -n "$jpid" ] && kill -0 "$jpid" 2>/dev/null; then
		# The server and the kernels it started run in their own process group.
		kill -TERM -- "-$jpid" 2>/dev/null || true
		for _ in $(seq 20); do kill -0 "$jpid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL -- "-$jpid" 2>/dev/null || true
	fi
	# The test never saves the notebook; restore it should anything have.
	if ! cmp -s "$out/08-explore.ipynb.orig" "$nb"; then
		cp "$out/08-explore.ipynb.orig" "$nb"
		echo "(restored $nb)"
	fi
}
trap cleanup EXIT INT TERM
echo "== jupyter notebook on 127.0.0.1:$port"
setsid jupyter notebook --no-browser --allow-root --ip=127.0.0.1 --port="$port" \
	--NotebookApp.token="$token" --NotebookApp.open_browser=False \
	--notebook-dir="$root/notebooks" >"$out/jupyter.log" 2>&1 &
jpid=$!
for _ in $(seq 120); do
	curl -fsS "http://127.0.0.1:$port/api/status?token=$token" >/dev/null 2>&1 && break
	kill -0 "$jpid" 2>/dev/null || { tail -30 "$out/jupyter.log"; exit 1; }
	sleep 0.5
done

echo "== browser"
node "$here/test.mjs" "http://127.0.0.1:$port/notebooks/08-explore.ipynb?token=$token" "$out/expect.json" "$out"
echo "== browser test passed in $(($(date +%s) - start)) s; screenshots in $out"
