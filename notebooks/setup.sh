#!/usr/bin/env bash
# Installs what the notebooks need on a fresh Debian machine: Jupyter (apt), GoNB and
# goimports (Go module proxy, pinned versions) and the GoNB kernel registration.
# Idempotent: what is already there is skipped.
set -euo pipefail

GONB_VERSION=v0.11.1
GOIMPORTS_VERSION=v0.52.0
export GOBIN="${GOBIN:-$HOME/go/bin}"
export PATH="$GOBIN:$PATH"

if ! command -v jupyter >/dev/null || ! jupyter nbconvert --version >/dev/null 2>&1; then
	echo "== installing Jupyter from apt"
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient jupyter-core python3-ipykernel >/dev/null
else
	echo "== Jupyter present: $(jupyter --version 2>/dev/null | grep -m1 -i notebook || echo ok)"
fi

if ! command -v goimports >/dev/null; then
	echo "== installing goimports $GOIMPORTS_VERSION"
	go install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION"
fi

if ! command -v gonb >/dev/null || [ "$(gonb --version 2>/dev/null | grep -o 'v[0-9.]*' | head -1)" != "$GONB_VERSION" ]; then
	echo "== installing GoNB $GONB_VERSION"
	tools=$(mktemp -d)
	(
		cd "$tools"
		go mod init local/tools >/dev/null 2>&1
		go get -tool "github.com/janpfeifer/gonb@$GONB_VERSION" >/dev/null 2>&1
		go install tool
	)
	rm -rf "$tools"
fi

if ! jupyter kernelspec list 2>/dev/null | grep -q gonb; then
	echo "== registering the GoNB kernel"
	gonb --install --logtostderr --raw_error --force_deps
fi
echo "== notebooks ready: jupyter notebook notebooks/"
