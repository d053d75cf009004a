# lab: --mode strict --caching-mode on
# Issue #2 acceptance in the guest: the module loaded, GET_INFO answers with
# the ABI version and both edu devices with their NUMA nodes, and a non-root
# open of /dev/iommubench fails with EACCES.
abi=$(sed -n 's/^#define IOMMUBENCH_ABI_VERSION \([0-9]*\)/\1/p' /opt/iommubench/include/iommubench.h 2>/dev/null)
if grep -q '^iommubench ' /proc/modules; then echo "ok - module loaded"; else echo "not ok - module loaded: not in /proc/modules"; fi
if [ -c /dev/iommubench ] && [ "$(stat -c %a /dev/iommubench)" = 600 ]; then
	echo "ok - /dev/iommubench is a char device with mode 0600"
else
	echo "not ok - /dev/iommubench mode: $(ls -l /dev/iommubench 2>&1)"
fi
info=$($IB info 2>&1); rc=$?
echo "$info" | sed 's/^/# /'
if [ $rc = 0 ] && echo "$info" | grep -q "^iommubench module: ABI $abi,"; then
	echo "ok - GET_INFO returns ABI version $abi"
else
	echo "not ok - GET_INFO ABI version: rc=$rc, want ABI $abi"
fi
# Table columns: device id node group domain engines... ; edu 0000:00:03.0
# sits on pcie.0 (no node: -1, or 0 when the kernel picks one), 0000:11:00.0
# behind the pxb on node 1.
col() { echo "$info" | awk -v d="$1" -v c="$2" '$1 == d { print $c }'; }
if [ "$(col 0000:00:03.0 2)" = 1234:11e8 ] && { [ "$(col 0000:00:03.0 3)" = -1 ] || [ "$(col 0000:00:03.0 3)" = 0 ]; }; then
	echo "ok - GET_INFO lists edu 0000:00:03.0 on node $(col 0000:00:03.0 3)"
else
	echo "not ok - GET_INFO edu 0000:00:03.0: id '$(col 0000:00:03.0 2)' node '$(col 0000:00:03.0 3)'"
fi
if [ "$(col 0000:11:00.0 2)" = 1234:11e8 ] && [ "$(col 0000:11:00.0 3)" = 1 ]; then
	echo "ok - GET_INFO lists edu 0000:11:00.0 on node 1"
else
	echo "not ok - GET_INFO edu 0000:11:00.0: id '$(col 0000:11:00.0 2)' node '$(col 0000:11:00.0 3)'"
fi
g1=$(col 0000:00:03.0 4); t1=$(col 0000:00:03.0 5)
if [ -n "$g1" ] && [ "$g1" -ge 0 ] && [ "$t1" = DMA ]; then
	echo "ok - GET_INFO reports IOMMU group $g1 type $t1 (strict boot)"
else
	echo "not ok - GET_INFO group/type for 0000:00:03.0: '$g1' '$t1' (want a group and DMA)"
fi
json=$($IB info --json 2>&1)
if echo "$json" | grep -q "\"abi_version\": $abi," && [ "$(echo "$json" | grep -o '"device": "0000:[0-9a-f:.]*"' | wc -l)" -ge 2 ]; then
	echo "ok - info --json carries the ABI version and both devices"
else
	echo "not ok - info --json: $json"
fi
# busybox setpriv cannot change uid; ibmod drops to 65534 itself.
$TOOLS/ibmod nonroot
