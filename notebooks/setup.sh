#!/usr/bin/env bash
# Installs what the notebooks need on a fresh Debian machine: Jupyter (apt), GoNB and
# goimports (Go module proxy, pinned versions, into $GOBIN or $HOME/go/bin) and the
# GoNB kernel registration. Idempotent: what is already there is skipped.
# Then: jupyter notebook notebooks/   (or notebooks/run.sh to execute them headless)
set -euo pipefail

command -v go >/dev/null || { echo "setup.sh: Go is needed (https://go.dev/dl/)"; exit 1; }
# GoNB's version has one home, the repository's go.mod (its gonbui package is a
# dependency there): the kernel installed here and the notebooks' set-up cells read it.
GONB_VERSION=$(cd "$(dirname "$0")/.." && go list -m -f '{{.Version}}' github.com/janpfeifer/gonb)
GOIMPORTS_VERSION=v0.52.0
export GOBIN="${GOBIN:-$HOME/go/bin}"
export PATH="$GOBIN:$PATH"

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

# The installed version is read from the binary's build info: `gonb --version` of
# v0.11.4 still prints v0.11.1 (its version tag file was not regenerated).
have=$([ -x "$GOBIN/gonb" ] && go version -m "$GOBIN/gonb" 2>/dev/null |
	awk '$1 == "mod" && $2 == "github.com/janpfeifer/gonb" { print $3 }' || true)
if [ "$have" = "$GONB_VERSION" ]; then
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
