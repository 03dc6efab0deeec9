#!/usr/bin/env bash
# Installs what the notebooks need on a fresh Debian machine: Jupyter (apt), GoNB and
# goimports (Go module proxy, pinned versions, into $GOBIN or $HOME/go/bin) and the
# GoNB kernel registration. Idempotent: what is already there is skipped.
# Then: jupyter notebook notebooks/   (or notebooks/run.sh to execute them headless)
set -euo pipefail

GONB_VERSION=v0.11.1
GOIMPORTS_VERSION=v0.52.0
export GOBIN="${GOBIN:-$HOME/go/bin}"
export PATH="$GOBIN:$PATH"
command -v go >/dev/null || { echo "setup.sh: Go is needed (https://go.dev/dl/)"; exit 1; }

if command -v jupyter >/dev/null && jupyter nbconvert --version >/dev/null 2>&1 &&
	jupyter kernelspec --version >/dev/null 2>&1; then
	echo "== Jupyter present (nbconvert $(jupyter nbconvert --version 2>/dev/null))"
else
	echo "== installing Jupyter from apt"
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient jupyter-core >/dev/null
fi

if [ -x "$GOBIN/goimports" ]; then
	echo "== goimports present ($GOBIN/goimports)"
else
	echo "== installing goimports $GOIMPORTS_VERSION into $GOBIN"
	go install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION"
fi

# (Captured first: grep -q in a pipe would end gonb early, and pipefail would see that.)
have=$([ -x "$GOBIN/gonb" ] && "$GOBIN/gonb" --version 2>/dev/null | head -1 || true)
if [ "$have" = "GoNB version: $GONB_VERSION" ]; then
	echo "== GoNB $GONB_VERSION present ($GOBIN/gonb)"
else
	echo "== installing GoNB $GONB_VERSION into $GOBIN (through a throw-away tools module)"
	tools=$(mktemp -d)
	(
		cd "$tools"
		go mod init local/tools >/dev/null 2>&1
		go get -tool "github.com/janpfeifer/gonb@$GONB_VERSION"
		go install tool
	)
	rm -rf "$tools"
fi

# The registered kernel must be this gonb, started with --raw_error (a failing
# cell then fails nbconvert, hence notebooks/run.sh).
spec="$(jupyter --data-dir)/kernels/gonb/kernel.json"
if [ -s "$spec" ] && grep -q -- "--raw_error" "$spec" && grep -q "\"$GOBIN/gonb\"" "$spec"; then
	echo "== GoNB kernel registered ($spec)"
else
	echo "== registering the GoNB kernel"
	"$GOBIN/gonb" --install --logtostderr --raw_error --force_deps
fi
echo "== notebooks ready: jupyter notebook notebooks/   (headless: notebooks/run.sh)"
