#!/usr/bin/env bash
# A fleet of two "hosts" on this machine (issue 14): two network namespaces
# joined by a veth pair, each with its own host name (UTS namespace) and
# /etc/hosts (mount namespace, bind-mounted there only), and an mpirun
# launcher that enters them instead of ssh (scripts/fleet/enter.sh as
# plm_rsh_agent).  Then one suite runs as one rank per host:
#
#   mpirun -H ibsim1,ibsim2 -np 2 build/iommubench run --suite SUITE ...
#
# exactly as across two instances (README "Run across instances"), into one
# run directory with both hosts' contexts.  Needs root and iproute2.  Every
# namespace and link is removed on exit, whatever the ending.
#
#   scripts/fleet/fleet-sim.sh [SUITE] [iommubench run options...]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
suite=${1:-smoke}
shift || true
bin=$PWD/build/iommubench
[[ $(id -u) == 0 ]] || { echo "fleet-sim: needs root (network namespaces)"; exit 4; }
command -v ip >/dev/null || { echo "fleet-sim: ip (iproute2) missing"; exit 3; }
command -v mpirun >/dev/null || { echo "fleet-sim: mpirun missing (make deps: openmpi-bin)"; exit 3; }
[[ -f build/libiommubench-mpi.so ]] || { echo "fleet-sim: build/libiommubench-mpi.so missing (make build with libopenmpi-dev)"; exit 3; }
# per-process names: two simulations never meet
tag=$$
h1=ibsim1 h2=ibsim2 ns1=ibsim1-$tag ns2=ibsim2-$tag
work=$(mktemp -d /tmp/ib-fleet-XXXXXX)
cleanup() {
	ip netns del "$ns1" 2>/dev/null
	ip netns del "$ns2" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
ip netns add "$ns1" && ip netns add "$ns2" || { echo "fleet-sim: ip netns add failed"; exit 3; }
ip link add "v1-$tag" netns "$ns1" type veth peer name "v2-$tag" netns "$ns2" ||
	{ echo "fleet-sim: veth pair failed"; exit 3; }
ip -n "$ns1" addr add 10.77.0.1/24 dev "v1-$tag"
ip -n "$ns2" addr add 10.77.0.2/24 dev "v2-$tag"
for n in "$ns1" "$ns2"; do
	ip -n "$n" link set lo up
done
ip -n "$ns1" link set "v1-$tag" up
ip -n "$ns2" link set "v2-$tag" up
printf '127.0.0.1 localhost\n10.77.0.1 %s\n10.77.0.2 %s\n' "$h1" "$h2" >"$work/hosts"
# enter.sh HOST CMD...: the namespaces of HOST (what ssh HOST would give)
cat >"$work/ns.map" <<M
$h1 $ns1
$h2 $ns2
M
export IB_FLEET_HOSTS=$work/hosts IB_FLEET_MAP=$work/ns.map
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fwd=()
[[ -n ${IOMMUBENCH_RANK_TIMEOUT:-} ]] && fwd=(-x IOMMUBENCH_RANK_TIMEOUT)
t0=$SECONDS
# mpirun itself runs on the first host, as a user would log in there
bash scripts/fleet/enter.sh "$h1" --exec mpirun -H "$h1,$h2" -np 2 \
	--mca plm_rsh_agent "$PWD/scripts/fleet/enter.sh" \
	--mca oob_tcp_if_include 10.77.0.0/24 --mca btl self,tcp --mca btl_tcp_if_include 10.77.0.0/24 \
	--enable-recovery "${fwd[@]}" \
	"$bin" run --suite "$suite" "$@"
rc=$?
echo "fleet-sim: 2 hosts ($h1, $h2), suite $suite: rc=$rc, $((SECONDS - t0)) s wall"
exit $rc
