# SPDX-License-Identifier: MIT
# Shared by build-deb.sh and build-rpm.sh (sourced; SRC is the source tree).

# Exit 77 (skipped) while no daemon is in the tree: the package would be empty.
hv_require_daemons() {
	local f
	for f in daemons/kvp/kvp.c daemons/vss/vss.c daemons/fcopy/fcopy.c; do
		[ -f "$SRC/$f" ] && return 0
	done
	echo "SKIP: no daemon in the tree yet: the package would be empty"
	exit 77
}

# Fail unless the packaging's version ($1, from $2) is the CMake project's.
hv_check_version() {
	local cmake
	cmake=$(sed -n 's/^project(hyperv-tools VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
	if [ "$1" != "$cmake" ]; then
		echo "FAIL: $2 says $1, CMakeLists.txt $cmake"
		exit 1
	fi
}

# What Kbuild leaves in kernel/ after an in-tree `make` (kernel/Makefile):
# never part of the sources (lintian: source-is-missing for a .ko).
HV_KBUILD_OUTPUT='^kernel/(.*/)?([^/]*\.(o|ko|ko\.[a-z]+|mod|mod\.c|symtypes|a|dwo)|\.[^/]*\.(cmd|d)|Module\.symvers|modules\.order|\.tmp_versions/.*)$'

# Copy the tree as git would ship it (tracked and untracked files, not what
# .gitignore excludes, nor Kbuild's output in kernel/) to $1.
hv_export_tree() {
	mkdir -p "$1"
	if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$SRC" ls-files -z --cached --others --exclude-standard |
			{ grep -z -v -E "$HV_KBUILD_OUTPUT" || true; } |
			(cd "$SRC" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) |
			tar -C "$SRC" --null -T - -cf - | tar -C "$1" -xf -
	else
		tar -C "$SRC" --exclude='./build*' --exclude=./.git \
			--exclude='./kernel/*.o' --exclude='./kernel/*.ko' --exclude='./kernel/*.ko.*' \
			--exclude='./kernel/*.mod' --exclude='./kernel/*.mod.c' --exclude='./kernel/*.symtypes' \
			--exclude='./kernel/*.cmd' --exclude='./kernel/*.d' --exclude='./kernel/Module.symvers' \
			--exclude='./kernel/modules.order' -cf - . | tar -C "$1" -xf -
	fi
}

# True when kernel/ has sources (the DKMS package can be built).
hv_have_kernel() {
	[ -f "$SRC/kernel/Kbuild" ] || [ -f "$SRC/kernel/Makefile" ]
}
