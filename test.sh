#!/usr/bin/env bash
# Runs every Consentry test, installing what the tests need first (when it
# is missing): Debian's chromium for the browser tests, and Debian's
# postgresql for the consent-log tests, which start private PostgreSQL
# servers of their own on loopback (internal/pgtest).
# Usage: ./test.sh [extra go test flags]
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
	echo "test.sh: installing ${need_apt[*]} from Debian's packages"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# axe-core, the accessibility audit the banner tests inject into Chromium.
axe_dir=.cache/axe-core
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ] && command -v npm >/dev/null 2>&1; then
	echo "test.sh: installing axe-core from npm"
	mkdir -p "$axe_dir"
	npm install --silent --no-audit --no-fund --prefix "$axe_dir" axe-core@4 >/dev/null
fi
if [ -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
	export CONSENTRY_AXE_JS="$PWD/$axe_dir/node_modules/axe-core/axe.min.js"
fi

# @iabgpp/cmpapi, the IAB's GPP library: the tests decode our GPP strings
# with it in Node.
gpp_dir=.cache/iabgpp
if [ ! -f "$gpp_dir/node_modules/@iabgpp/cmpapi/package.json" ] && command -v npm >/dev/null 2>&1; then
	echo "test.sh: installing @iabgpp/cmpapi from npm"
	mkdir -p "$gpp_dir"
	npm install --silent --no-audit --no-fund --prefix "$gpp_dir" @iabgpp/cmpapi@3.2.0 >/dev/null
fi
if [ -f "$gpp_dir/node_modules/@iabgpp/cmpapi/package.json" ]; then
	export CONSENTRY_IABGPP="$PWD/$gpp_dir"
fi

# TypeScript's compiler, which checks the page API's declarations
# (banner/consentry.d.ts) against a program that uses them.
ts_dir=.cache/typescript
if [ ! -x "$ts_dir/node_modules/.bin/tsc" ] && command -v npm >/dev/null 2>&1; then
	echo "test.sh: installing typescript from npm"
	mkdir -p "$ts_dir"
	npm install --silent --no-audit --no-fund --prefix "$ts_dir" typescript@5 >/dev/null
fi
if [ -x "$ts_dir/node_modules/.bin/tsc" ]; then
	export CONSENTRY_TSC="$PWD/$ts_dir/node_modules/.bin/tsc"
fi

echo "test.sh: gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "test.sh: go vet"
go vet ./...

echo "test.sh: go test"
go test -count=1 -timeout 30m "$@" ./...

# A short run of each fuzz target (the committed corpus runs as ordinary
# tests above; this explores a little further on every CI run).
fuzztime=${CONSENTRY_FUZZTIME:-15s}
for spec in FuzzRewriter:./sdk/rewrite FuzzCookieDecode:./sdk FuzzPostBody:./sdk \
	FuzzCaddyfile:./caddymodule FuzzAdminParams:./sdk/admin; do
	target=${spec%%:*} pkg=${spec#*:}
	echo "test.sh: fuzz $target in $pkg for $fuzztime"
	go test -run XXX -fuzz "^$target\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg"
done

# The production guide's build (docs/PRODUCTION.md §1), as written there:
# xcaddy with this checkout as the module, then the built Caddy lists the
# module and prints the CSP hashes of the demo. On every CI run (about five
# minutes cold: xcaddy builds with -trimpath, so the go test cache is not
# reused); locally with CONSENTRY_XCADDY=1.
if [ "${CI:-}" = true ] || [ -n "${CONSENTRY_XCADDY:-}" ]; then
	echo "test.sh: xcaddy build (docs/PRODUCTION.md)"
	go install github.com/caddyserver/xcaddy/cmd/xcaddy@v0.4.5
	caddy_version=$(go list -m -f '{{.Version}}' github.com/caddyserver/caddy/v2)
	xcaddy_out=$(mktemp -d)
	trap 'rm -rf "$xcaddy_out"' EXIT
	mkdir "$xcaddy_out/no-module"
	proxy=$(go env GOPROXY | cut -d, -f1)
	case "$proxy" in off | direct | "") proxy=https://proxy.golang.org ;; esac
	GOPROXY="$proxy|file://$xcaddy_out/no-module" "$(go env GOPATH)/bin/xcaddy" build "$caddy_version" \
		--output "$xcaddy_out/caddy" \
		--with github.com/consentry/consentry/caddymodule \
		--replace github.com/consentry/consentry=./
	modules=$("$xcaddy_out/caddy" list-modules)
	for m in http.handlers.consent http.handlers.consent_admin; do
		grep -qx "$m" <<<"$modules" || { echo "xcaddy's Caddy lacks $m"; exit 1; }
	done
	"$xcaddy_out/caddy" consent-csp --config Caddyfile 2>/dev/null | grep -q "'sha256-" ||
		{ echo "xcaddy's Caddy printed no CSP hashes"; exit 1; }
	echo "test.sh: xcaddy build ok ($("$xcaddy_out/caddy" version | cut -d' ' -f1))"
fi
