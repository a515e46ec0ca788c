#!/usr/bin/env bash
# Install (once) the tools the chart tests need, cached under ~/.cache/pdo/bin:
#
#   scripts/chart-tools.sh          # helm and kubeconform; prints the bin directory
#
# Helm and kubeconform are built with `go install` from the Go module proxy (pinned below);
# PDO_CACHE_DIR overrides ~/.cache/pdo. Concurrent runs wait on one lock.
set -euo pipefail

HELM_MODULE=helm.sh/helm/v4/cmd/helm
HELM_VERSION=v4.3.2
KUBECONFORM_MODULE=github.com/yannh/kubeconform/cmd/kubeconform
KUBECONFORM_VERSION=v0.8.0
CACHE_ROOT="${PDO_CACHE_DIR:-$HOME/.cache/pdo}"
BIN="$CACHE_ROOT/bin"

die() { printf '[chart-tools] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH; it builds helm and kubeconform"
mkdir -p "$BIN"
exec 9>"$BIN/.install.lock"
flock 9

install_one() { # name module version
    local stamp="$BIN/.$1-$3"
    if [[ -x "$BIN/$1" && -e "$stamp" ]]; then
        return 0
    fi
    printf '[chart-tools] go install %s@%s (once)\n' "$2" "$3" >&2
    GOBIN="$BIN" GOFLAGS=-mod=mod go install "$2@$3" >"$BIN/$1.install.log" 2>&1 \
        || { tail -n 30 "$BIN/$1.install.log" >&2; die "could not build $1 $3"; }
    rm -f "$BIN/.$1-"*
    touch "$stamp"
}

install_one helm "$HELM_MODULE" "$HELM_VERSION"
install_one kubeconform "$KUBECONFORM_MODULE" "$KUBECONFORM_VERSION"
printf '%s\n' "$BIN"
