# Shared by the scripts in .ci/image and by .ci/vulncheck (sourced, not run): the repository root,
# the pinned Go toolchain and the pinned tools, installed into .tools/bin on first use.

# shellcheck shell=bash disable=SC2034 # the versions are used by the scripts that source this file
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools=$repo/.tools/bin

export GOTOOLCHAIN=go1.26.10
export PATH="/usr/local/go/bin:$PATH"

CRANE_VERSION=v0.22.1
CYCLONEDX_GOMOD_VERSION=v1.10.0
GOVULNCHECK_VERSION=v1.9.0
# The Go vulnerability database, as the module that holds its OSV files.
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# go_tool NAME PACKAGE VERSION prints the path of .tools/bin/NAME after installing PACKAGE@VERSION
# there, unless the binary's build information already names that version of its module.
go_tool() {
	local bin=$tools/$1 pkg=$2 version=$3 have
	have=$(go version -m "$bin" 2>/dev/null | awk '$1 == "mod" { print $3 }') || true
	if [ "$have" != "$version" ]; then
		echo "installing $pkg@$version into .tools/bin" >&2
		GOBIN=$tools GOFLAGS='' go install "$pkg@$version" >&2
	fi
	printf '%s\n' "$bin"
}

crane_bin() { go_tool crane github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"; }
cyclonedx_bin() { go_tool cyclonedx-gomod github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod "$CYCLONEDX_GOMOD_VERSION"; }

# need_cmd CMD[:PACKAGE]... installs the Debian package (default: named like the command) of each
# missing command, as .ci/run does for its own.
need_cmd() {
	local c pkgs=()
	for c in "$@"; do
		command -v "${c%%:*}" >/dev/null || pkgs+=("${c#*:}")
	done
	[ ${#pkgs[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${pkgs[*]}: install them (apt-get install ${pkgs[*]})"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}
