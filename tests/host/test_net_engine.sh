#!/usr/bin/env bash
# Host test (no module, no NIC needed): the net engine's parameters and its
# safety refusals (issue 25).  Bad netdev/msg_size: exit 1 with one line
# naming the field.  A port carrying a default route (read from a recorded
# /proc/net/route, ipv6_route under IOMMUBENCH_NET_ROOT), an address, the
# local address of $SSH_CONNECTION, or loopback: refused before the run
# (exit 1, one line naming netdev and why, no run directory), and nothing
# moved (the interface is still in this namespace with its address).  A
# port with no PCI device behind it: an error row naming it.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
tmp=$(mktemp -d /tmp/ib-net-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

out=$($bin run --engine net --netdev eth0 --dry-run 2>&1); rc=$?
check "netdev=eth0 (no pair): exit 1 ($rc), one line naming netdev: $out" \
	test "$rc" = 1 -a "$(printf '%s\n' "$out" | wc -l)" = 1 -a "${out#*netdev=eth0: expected two different interfaces A:B}" != "$out"
out=$($bin run --engine net --netdev eth1:eth1 --dry-run 2>&1); rc=$?
check "netdev=eth1:eth1 (the same port twice): exit 1 ($rc): $out" \
	test "$rc" = 1 -a "${out#*netdev=eth1:eth1: expected two different}" != "$out"
out=$($bin run --engine net --netdev a/b:c --dry-run 2>&1); rc=$?
check "netdev=a/b:c: exit 1 ($rc): $out" test "$rc" = 1 -a "${out#*netdev=a/b:c: expected}" != "$out"
out=$($bin run --engine net --netdev eth0:eth1 --msg-size 65508 --dry-run 2>&1); rc=$?
check "msg_size=65508 (over a UDP payload): exit 1 ($rc), names the range: $out" \
	test "$rc" = 1 -a "${out#*msg_size=65508: expected * 64..65507}" != "$out"
out=$($bin run --engine net --netdev eth0:eth1 --msg-size 32 --dry-run 2>&1); rc=$?
check "msg_size=32: exit 1 ($rc)" test "$rc" = 1
out=$($bin run --engine net --netdev eth0:eth1 --threads 5 --dry-run 2>&1); rc=$?
check "threads=5: exit 1 ($rc), engine net takes at most 4: $out" \
	test "$rc" = 1 -a "${out#*threads=5}" != "$out"
out=$($bin help net)
check "help net lists pps, netdev and msg_size" \
	test "${out#*metrics: dma_latency_ns, bandwidth_bytes_per_s, pps}" != "$out" -a \
	"${out#*netdev}" != "$out" -a "${out#*msg_size}" != "$out"

if [[ $(id -u) != 0 ]]; then
	echo "ok - net refusals # SKIP need root (engine net is unavailable otherwise)"
	exit 0
fi
# One row of engine net; prints "status|reason" of its row, or, with no
# run directory, "exit RC|N lines|stderr".
row() { # id netdev [env...]
	local id=$1 nd=$2 rc
	shift 2
	env "$@" $bin run --engine net --netdev "$nd" --iterations 1 --warmup 0 --min-reps 1 \
		--max-reps 1 --results-dir "$tmp" --run-id "$id" >/dev/null 2>"$tmp/$id.err"
	rc=$?
	if [[ -d $tmp/adhoc/$id ]]; then
		python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(r['status'] + '|' + r.get('reason', ''))" \
			"$tmp/adhoc/$id/results.json" 2>/dev/null || echo "none|rc=$rc $(tr '\n' ' ' <"$tmp/$id.err")"
	else
		echo "exit $rc|$(wc -l <"$tmp/$id.err") lines|$(cat "$tmp/$id.err")"
	fi
}
R="; refusing (name two ports used for nothing else)"
mkdir -p "$tmp/fx/proc/net" "$tmp/empty/proc/net"
cat >"$tmp/fx/proc/net/route" <<'R'
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
ibfake0	00000000	0100A8C0	0003	0	0	0	00000000	0	0	0
ibfake0	0000A8C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
R
: >"$tmp/fx/proc/net/ipv6_route"
printf 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' >"$tmp/empty/proc/net/route"
cat >"$tmp/empty/proc/net/ipv6_route" <<'R'
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 ibfake6
R
got=$(row dflt ibfake0:ibfake1 IOMMUBENCH_NET_ROOT="$tmp/fx")
check "default route (IPv4) on ibfake0: refused before the run, exit 1, one line, no run directory: $got" \
	test "$got" = "exit 1|1 lines|iommubench: netdev=ibfake0:ibfake1: ibfake0 carries a default route$R"
got=$(row dflt6 ibfake1:ibfake6 IOMMUBENCH_NET_ROOT="$tmp/empty")
check "default route (IPv6) on the second port: refused before any lookup of the first: $got" \
	test "$got" = "exit 1|1 lines|iommubench: netdev=ibfake1:ibfake6: ibfake6 carries a default route$R"
got=$(row nosuch ibfake1:ibfake2 IOMMUBENCH_NET_ROOT="$tmp/empty")
check "no such interface: refused naming it: $got" \
	test "$got" = "error|netdev=ibfake1:ibfake2: ibfake1: no such interface with a PCI device (sysfs /sys/class/net/ibfake1/device); refusing (name two ports used for nothing else)"
got=$(row lo lo:ibfake1 IOMMUBENCH_NET_ROOT="$tmp/empty")
check "lo refused as loopback: $got" test "${got#exit 1|1 lines|iommubench: netdev=lo:ibfake1: lo is the loopback}" != "$got"
# an interface of this machine with an IPv4 address (not lo)
read -r dev addr < <(ip -4 -o addr show 2>/dev/null | awk '$2 != "lo" { sub(/\/.*/, "", $4); print $2, $4; exit }')
if [[ -n ${dev:-} ]]; then
	got=$(row addr "$dev:ibfake1" IOMMUBENCH_NET_ROOT="$tmp/empty" SSH_CONNECTION=)
	check "$dev with $addr refused: $got" \
		test "$got" = "exit 1|1 lines|iommubench: netdev=$dev:ibfake1: $dev carries the address $addr (in use outside the benchmark's namespaces)$R"
	got=$(row ssh "ibfake1:$dev" IOMMUBENCH_NET_ROOT="$tmp/empty" SSH_CONNECTION="192.0.2.7 50000 $addr 22")
	check "$dev (second port) carrying \$SSH_CONNECTION's local address: refused naming it: $got" \
		test "$got" = "exit 1|1 lines|iommubench: netdev=ibfake1:$dev: $dev carries $addr, the local address of your SSH connection (\$SSH_CONNECTION)$R"
	check "$dev still here with $addr (nothing moved)" bash -c "ip -4 -o addr show dev '$dev' | grep -qF ' $addr/'"
else
	echo "ok - address refusals # SKIP no interface with an IPv4 address here"
fi
