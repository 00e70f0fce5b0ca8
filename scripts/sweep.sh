#!/usr/bin/env bash
# Sourced by scripts/test.sh after scripts/env.sh. Every checkout path builds
# its own copies of the workspace's crates into the shared target directory
# (Cargo hashes the path in), so fresh CI clones pile up gigabytes of them.
# When the disk runs low, remove the workspace's own artifacts (dependencies,
# which every checkout shares, are kept), their fingerprints (so Cargo knows to
# rebuild them) and the incremental caches. A fresh clone rebuilds the
# workspace's crates anyway; nothing else is lost. Never run it beside a build.
sweep_target() {
	local dir="$CARGO_TARGET_DIR" need_gb=${MUSICCHAIN_SWEEP_BELOW_GB:-40} free_gb
	[[ -d "$dir" ]] || return 0
	free_gb=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
	(( free_gb < need_gb )) || return 0
	local names=() f
	# The workspace's library crates and its test and bench targets.
	for f in */Cargo.toml */*/Cargo.toml; do
		names+=("$(sed -n 's/^name = "\(.*\)"/\1/p' "$f" | head -1 | tr - _)")
	done
	for f in */tests/*.rs */*/tests/*.rs */benches/*.rs; do
		[[ -e "$f" ]] && names+=("$(basename "$f" .rs | tr - _)")
	done
	names+=(musicchain)
	echo "== disk: ${free_gb} GB free (< ${need_gb}), sweeping old workspace artifacts from $dir"
	local profile n
	for profile in "$dir"/debug "$dir"/release; do
		[[ -d "$profile" ]] || continue
		rm -rf "$profile/incremental"
		for n in $(printf '%s\n' "${names[@]}" | sort -u); do
			find "$profile/deps" -maxdepth 1 \
				\( -name "$n-*" -o -name "lib$n-*" \) -delete 2>/dev/null || true
			find "$profile/build" -maxdepth 1 -name "${n//_/-}-*" \
				-exec rm -rf {} + 2>/dev/null || true
		done
		find "$profile/.fingerprint" -maxdepth 1 \
			\( -name 'musicchain*' -o -name 'pallet-musicchain*' \) \
			-exec rm -rf {} + 2>/dev/null || true
	done
	echo "   now $(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }') GB free"
}
