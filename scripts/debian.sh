# shellcheck shell=bash
# Installing Debian packages for the scripts that start local services.
# Source it; it defines functions only.

# debian_install PKG...: installs Debian packages with apt-get when this user
# may (root, or sudo without a password). The package lists are updated only
# when a first attempt fails, since an update is slow and usually not needed.
# When installing is not possible it prints the command to run and returns 1.
debian_install() {
	local -a run
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "apt-get not found: install $* with your system's package manager" >&2
		return 1
	fi
	if [[ $(id -u) -eq 0 ]]; then
		run=(env DEBIAN_FRONTEND=noninteractive)
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		run=(sudo -n env DEBIAN_FRONTEND=noninteractive)
	else
		echo "cannot install without a password; run:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y $*" >&2
		return 1
	fi
	echo "installing $* with apt-get" >&2
	if "${run[@]}" apt-get install -y --no-install-recommends "$@" >&2; then
		return 0
	fi
	echo "apt-get install failed; updating the package lists and trying again" >&2
	if "${run[@]}" apt-get update >&2 && "${run[@]}" apt-get install -y --no-install-recommends "$@" >&2; then
		return 0
	fi
	echo "could not install $*; run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y $*" >&2
	return 1
}
