#!/usr/bin/env bash
# Installs what the tests need and this machine lacks, and checks the tools that come with it.
#
#   Debian packages: awscli         (/usr/bin/aws on Debian's /usr/bin/python3: the emulator's
#                                    tests drive it; a pyenv or pip `aws` earlier on PATH is not used)
#                    mariadb-server (the mysql rotator's tests start their own server)
#                    openssh-server (the sshkey rotator's tests start their own sshd)
#   checked only:    terraform >= 1.11, PostgreSQL 15 (initdb, pg_ctl, postgres)
#   with --tofu:     OpenTofu, built once (.cache/tofu/tofu, from its Go module source; make test-tofu)
#
# Fast when everything is present: it then runs no apt-get at all.
# Installing needs root; otherwise it prints the command to run and exits 1.
set -euo pipefail

packages=(awscli mariadb-server openssh-server)
pg_bin_dir=/usr/lib/postgresql/15/bin
min_terraform=1.11

status=0

installed() {
	local s
	s=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $s == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
	install_cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		echo "install-deps: missing Debian packages: ${missing[*]}" >&2
		echo "install-deps: run as root:" >&2
		echo "    apt-get update && $install_cmd" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	# Another apt/dpkg may hold a lock (an install started elsewhere): wait for it rather than fail.
	apt_retry() {
		local i
		for i in 1 2 3 4 5; do
			apt-get -o DPkg::Lock::Timeout=600 "$@" && return 0
			echo "install-deps: apt-get $1 failed (try $i of 5); retrying in 15s" >&2
			sleep 15
		done
		return 1
	}
	apt_retry update -qq
	DEBIAN_FRONTEND=noninteractive apt_retry install -y -q --no-install-recommends "${missing[@]}"
	for p in "${missing[@]}"; do
		if ! installed "$p"; then
			echo "install-deps: $p is still not installed after apt-get install" >&2
			status=1
		fi
	done
fi

if [[ ! -x /usr/bin/aws ]]; then
	echo "install-deps: /usr/bin/aws is missing although awscli is installed; try: apt-get install --reinstall awscli" >&2
	status=1
fi

# terraform >= 1.11 (write-only attributes).
if ! command -v terraform >/dev/null 2>&1; then
	echo "install-deps: terraform is not on PATH; the tests need Terraform >= $min_terraform" >&2
	status=1
else
	# TF_CLI_CONFIG_FILE=/dev/null: the machine's setting may name a file that does not exist,
	# which only adds a warning here.
	tf_version=$(TF_CLI_CONFIG_FILE=/dev/null terraform version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p')
	if [[ -z $tf_version ]]; then
		echo "install-deps: could not read the version of $(command -v terraform)" >&2
		status=1
	elif [[ $(printf '%s\n%s\n' "$min_terraform" "$tf_version" | sort -V | head -n1) != "$min_terraform" ]]; then
		echo "install-deps: terraform $tf_version at $(command -v terraform) is too old; the tests need >= $min_terraform" >&2
		status=1
	fi
fi

# PostgreSQL 15 server binaries: on PATH or in Debian's versioned directory.
for b in initdb pg_ctl postgres; do
	if ! command -v "$b" >/dev/null 2>&1 && [[ ! -x $pg_bin_dir/$b ]]; then
		echo "install-deps: PostgreSQL 15 '$b' is neither on PATH nor in $pg_bin_dir (Debian package postgresql-15)" >&2
		status=1
	fi
done

# AWS's Lambda Runtime Interface Emulator, the reference the emulator's Lambda tests compare
# against: its source comes through the Go module proxy into the module cache.
rie_module=github.com/aws/aws-lambda-runtime-interface-emulator@v0.0.0-20261030222936-bef5c4ba774d
if ! go mod download "$rie_module" >/dev/null 2>&1; then
	echo "install-deps: cannot download $rie_module into the Go module cache (is the Go module proxy reachable?)" >&2
	status=1
fi

# OpenTofu, to run the provider's acceptance tests (and the module tests) under it too: built
# from its Go module source (the module proxy serves it like any module) into the git-ignored
# .cache/tofu/, once; a few minutes on two cores, skipped when the binary is there.
tofu_version=v1.12.6
tofu_bin=$(cd "$(dirname "$0")/.." && pwd)/.cache/tofu/tofu-$tofu_version
if [[ ${1:-} == --tofu && ! -x $tofu_bin ]]; then
	echo "install-deps: building OpenTofu $tofu_version into $tofu_bin"
	tofu_src=$(go mod download -json "github.com/opentofu/opentofu@$tofu_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [[ -z $tofu_src ]]; then
		echo "install-deps: cannot download github.com/opentofu/opentofu@$tofu_version into the Go module cache" >&2
		status=1
	elif ! (mkdir -p "$(dirname "$tofu_bin")" && cd "$tofu_src" &&
		GOFLAGS=-mod=mod go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$tofu_bin.tmp" ./cmd/tofu && mv "$tofu_bin.tmp" "$tofu_bin"); then
		echo "install-deps: building OpenTofu $tofu_version failed" >&2
		status=1
	fi
fi
if [[ -x $tofu_bin ]]; then
	ln -sfn "tofu-$tofu_version" "$(dirname "$tofu_bin")/tofu"
fi

exit "$status"
