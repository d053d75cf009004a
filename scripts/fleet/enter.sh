#!/usr/bin/env bash
# enter.sh HOST CMD...: what `ssh HOST CMD...` does, for a simulated host of
# scripts/fleet/fleet-sim.sh: its network namespace (IB_FLEET_MAP: "host ns"
# lines), a UTS namespace with HOST as host name and a mount namespace whose
# /etc/hosts is IB_FLEET_HOSTS.  As with ssh, the command words are joined
# and run by the shell (mpirun's plm_rsh_agent hands over orted's command
# line that way); HOST must be one of the map's names.
# enter.sh HOST --exec ARGV...: the same namespaces, ARGV run as it is (no
# shell: fleet-sim.sh starts mpirun with the user's options this way).
set -uo pipefail
host=${1:-}
shift || true
ns=$(awk -v h="$host" '$1 == h { print $2 }' "${IB_FLEET_MAP:?}")
[[ -n $host && -n $ns ]] || { echo "enter.sh: HOST=$host: expected one of: $(awk '{printf "%s ", $1}' "$IB_FLEET_MAP")" >&2; exit 1; }
mode=ssh
if [[ ${1:-} == --exec ]]; then
	mode=exec
	shift
fi
exec ip netns exec "$ns" unshare --uts --mount --propagation private -- \
	bash -c 'mount --bind "$IB_FLEET_HOSTS" /etc/hosts && hostname "$0" || exit 3
		if [[ $1 == exec ]]; then shift; exec "$@"; fi
		shift; exec bash -c "$*"' "$host" "$mode" "$@"
