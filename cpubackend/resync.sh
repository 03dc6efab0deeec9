#!/usr/bin/env bash
# resync.sh: keep cpubackend/simplego a mechanical fork of GoMLX's backends/simplego.
#
# Every file of cpubackend/simplego is one of:
#   - upstream-derived: a file of simplego $BASE, byte-identical to it after the
#     scripted rewrite below (rewrite) plus the fork's hooks, each a single
#     statement or struct field that ends in a "// fork:" comment;
#   - fork-only: every other file (fork_*.go, fast_*.go, fuse_*.go, opstats.go,
#     parallel.go, doc.go, LICENSE, ...); upstream has no file of that name.
#
# Usage (from anywhere; needs go and the module in the module cache, which
# `go mod download github.com/gomlx/gomlx@VERSION` fills):
#   cpubackend/resync.sh list            fork-only, upstream-derived and not-carried files
#   cpubackend/resync.sh diff [VERSION]  diff of rewritten upstream VERSION (default $BASE)
#                                        against the fork: shows the hooks only
#   cpubackend/resync.sh rewrite FILE    print upstream FILE of $BASE after the rewrite
#   cpubackend/resync.sh copy [VERSION]  overwrite the upstream-derived files with the
#                                        rewritten upstream VERSION (drops the hooks)
#   cpubackend/resync.sh update VERSION  move the fork to upstream VERSION: copy it and
#                                        re-apply the hooks (diff against $BASE) with patch;
#                                        then set BASE below to VERSION
# Exit status of diff: 0 when the fork differs from upstream only by hooks and
# fork-only files, 1 when an upstream-derived file has a difference that is not
# a hook line, 2 on error. See cpubackend/doc.go for the procedure.
set -euo pipefail

BASE=v0.26.0
HERE=$(cd "$(dirname "$0")" && pwd)
FORK=$HERE/simplego

# Upstream files that are not carried, and why.
NOT_CARRIED=(
	README.md               # upstream's README (doc.go documents the fork)
	buffers_test.go         # not carried at the fork (c4fa94a); covered by the kept tests
	dotgeneral_perf_test.go # benchmark harness on graph + ui/commandline
	exec_test.go            # needs graph/context: tests GoMLX more than this backend
	stablehlo_test.go       # imports the stablehlo (XLA) backend: CGO + PJRT plugin
	xla_test.go             # idem
)

upstream() {
	local v=${1:-$BASE}
	local d
	d=$(go env GOMODCACHE)/github.com/gomlx/gomlx@$v/backends/simplego
	if [ ! -d "$d" ]; then
		echo "resync.sh: $d not found; run: go mod download github.com/gomlx/gomlx@$v" >&2
		exit 2
	fi
	echo "$d"
}

notCarried() {
	local f=$1 n
	for n in "${NOT_CARRIED[@]}"; do [ "$n" = "$f" ] && return 0; done
	return 1
}

# carried VERSION: the upstream files the fork carries.
carried() {
	local d f
	d=$(upstream "${1:-}")
	for f in $(cd "$d" && ls); do
		[ -f "$d/$f" ] || continue
		notCarried "$f" || echo "$f"
	done
}

# rewriteFile SRC DST: the scripted rewrite, the only change besides the hooks.
#   1. imports of GoMLX internal packages (not importable from this module) and
#      testify (not a dependency of protoseg-go) point to local stand-ins;
#   2. the package doc of simplego.go is dropped (doc.go is the fork's);
#   3. init()'s backends.Register is dropped: importing the fork registers
#      nothing (selecting the cpu backend is explicit, see cpubackend.Register);
#   4. go:generate lines and their comments are dropped (upstream's generators
#      are not in this module; the gen_*.go files are kept as upstream generated them);
#   5. one printf verb in exec_special_ops_test.go (%s of []int) that go vet
#      rejects becomes %v;
#   then gofmt (the import rewrite can reorder an import block).
rewriteFile() {
	local src=$1 dst=$2
	case "$src" in
	*.go)
		sed -e 's|"github.com/gomlx/gomlx/internal/exceptions"|"github.com/protoseg-go/protoseg-go/cpubackend/internal/exceptions"|' \
			-e 's|"github.com/gomlx/gomlx/internal/must"|"github.com/janpfeifer/must"|' \
			-e 's#"github.com/stretchr/testify/\(assert\|require\)"#"github.com/protoseg-go/protoseg-go/cpubackend/internal/testify/\1"#' \
			-e '/^\/\/ Package simplego implements/,/^package /{/^\/\//d}' \
			-e '/^\/\/ Registers New() as the default constructor/,/^}$/d' \
			-e '/^\/\/ Generates some trivial functions/,/^\/\/go:generate .*alternates_generator/d' \
			-e '/^\/\/go:generate go run \.\.\/\.\.\/internal\/cmd\//d' \
			-e 's|wanted %s", y.Shape(), tc.name, tc.expectedShape)|wanted %v", y.Shape(), tc.name, tc.expectedShape)|' \
			-e 's|pls open an issue in GoMLX", rngState\[:4\], len(rngState))|pls open an issue in GoMLX", len(rngState), rngState[:4])|' \
			"$src" | gofmt >"$dst"
		;;
	*) cp "$src" "$dst" ;;
	esac
}

cmd=${1:-diff}
case "$cmd" in
list)
	d=$(upstream)
	echo "# upstream-derived (simplego $BASE after the rewrite, plus hooks):"
	for f in $(carried); do
		tmp=$(mktemp)
		rewriteFile "$d/$f" "$tmp"
		if cmp -s "$tmp" "$FORK/$f"; then
			echo "  $f"
		else
			echo "  $f (hooks: $(grep -c '// fork:' "$FORK/$f" || true))"
		fi
		rm -f "$tmp"
	done
	echo "# fork-only:"
	for f in $(cd "$FORK" && ls); do
		[ -e "$d/$f" ] || echo "  $f"
	done
	echo "# upstream, not carried:"
	for f in "${NOT_CARRIED[@]}"; do echo "  $f"; done
	;;
diff)
	d=$(upstream "${2:-}")
	status=0
	tmpdir=$(mktemp -d)
	trap 'rm -rf "$tmpdir"' EXIT
	for f in $(carried "${2:-}"); do
		if [ ! -e "$FORK/$f" ]; then
			echo "MISSING $f (in upstream, not in the fork: run copy)"
			status=1
			continue
		fi
		rewriteFile "$d/$f" "$tmpdir/$f"
		if ! cmp -s "$tmpdir/$f" "$FORK/$f"; then
			diff -u --label "upstream/$f" --label "fork/$f" "$tmpdir/$f" "$FORK/$f" >"$tmpdir/$f.diff" || true
			cat "$tmpdir/$f.diff"
			# Every changed line must be a hook: an added line ending in a
			# "// fork:" comment or inside a hook statement ("if ... // fork:"
			# up to its closing brace), or a line the hook replaced.
			if ! awk '
				/^(\+\+\+|---)/ { next }
				/^\+/ { if ($0 ~ /\/\/ fork:/) { inhook = ($0 ~ /\{ *\/\/ fork:/); next }
				        if (inhook) { if ($0 ~ /^\+\t*}$/) inhook = 0; next }
				        bad = 1; print "NOT A HOOK: " $0 > "/dev/stderr"; next }
				/^-/ { next }
				{ inhook = 0 }
				END { exit bad }' "$tmpdir/$f.diff"; then
				status=1
			fi
		fi
	done
	echo "# fork-only files (no upstream counterpart):"
	for f in $(cd "$FORK" && ls); do
		[ -e "$d/$f" ] || echo "  $f"
	done
	exit $status
	;;
rewrite)
	d=$(upstream)
	rewriteFile "$d/$2" /dev/stdout
	;;
copy)
	d=$(upstream "${2:-}")
	for f in $(carried "${2:-}"); do
		rewriteFile "$d/$f" "$FORK/$f"
	done
	echo "copied $(carried "${2:-}" | wc -l) files of simplego ${2:-$BASE}; hooks dropped (see: $0 diff)"
	;;
update)
	new=${2:?usage: resync.sh update VERSION}
	patchfile=$(mktemp)
	"$0" diff >"$patchfile" || {
		echo "resync.sh: the fork has non-hook differences from $BASE; fix them first" >&2
		exit 2
	}
	"$0" copy "$new"
	sed '/^# fork-only files/,$d' "$patchfile" | (cd "$FORK" && patch -p1 --no-backup-if-mismatch) || {
		echo "resync.sh: some hooks did not apply; place them by hand (*.rej), then set BASE=$new" >&2
		exit 1
	}
	echo "hooks re-applied on $new; now set BASE=$new in $0, go generate ./cpubackend/simplego, go test ./..."
	;;
*)
	sed -n '2,25p' "$0"
	exit 2
	;;
esac
