#!/usr/bin/env bash
# Sourced by scripts/test.sh after scripts/env.sh. Every checkout path builds
# its own copies of the workspace's crates into the shared target directory
# (Cargo hashes the path in), so fresh CI clones pile up gigabytes of them.
# When the disk runs low, remove the workspace's own units and the
# incremental caches; dependencies, which every checkout shares, are kept.
# A workspace unit is found by its fingerprint directory
# (`.fingerprint/<package>-<hash>`): its artifacts carry the same hash
# (`deps/<target>-<hash>`, `build/<package>-<hash>`), so a dependency that
# happens to share a target's name (the `keyring` crate and the keyring
# test) is never touched. A fresh clone rebuilds the workspace's crates
# anyway. Never run it beside a build.
sweep_target() {
	local dir="$CARGO_TARGET_DIR" need_gb=${MUSICCHAIN_SWEEP_BELOW_GB:-40} free_gb
	[[ -d "$dir" ]] || return 0
	free_gb=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
	(( free_gb < need_gb )) || return 0
	echo "== disk: ${free_gb} GB free (< ${need_gb}), sweeping old workspace artifacts from $dir"
	local profile fp hash lock
	# The host profiles and the runtime's wasm builds (their own targets).
	for profile in "$dir"/debug "$dir"/release "$dir"/*/wbuild/*/target/release \
		"$dir"/*/wbuild/*/target/*/release; do
		[[ -d "$profile/.fingerprint" ]] || continue
		# Cargo holds this lock while it builds here: leave that profile be.
		exec {lock}>>"$profile/.cargo-lock"
		if ! flock -n "$lock"; then
			echo "   $profile is being built; not swept"
			exec {lock}>&-
			continue
		fi
		rm -rf "$profile/incremental"
		for fp in "$profile"/.fingerprint/musicchain-* "$profile"/.fingerprint/pallet-musicchain-*; do
			[[ -d "$fp" ]] || continue
			hash=${fp##*-}
			rm -rf "$profile"/deps/*-"$hash" "$profile"/deps/*-"$hash".* "$profile"/build/*-"$hash" "$fp"
		done
		exec {lock}>&-
	done
	echo "   now $(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }') GB free"
}
