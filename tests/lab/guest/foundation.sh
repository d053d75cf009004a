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
if [ $rc = 0 ] && echo "$info" | grep -q "abi_version: $abi\$"; then
	echo "ok - GET_INFO returns ABI version $abi"
else
	echo "not ok - GET_INFO ABI version: rc=$rc, want abi_version: $abi"
fi
# edu 0000:00:03.0 sits on pcie.0 (no node: -1, or 0 when the kernel picks one),
# 0000:11:00.0 behind the pxb on node 1.
l1=$(echo "$info" | grep '0000:00:03.0')
l2=$(echo "$info" | grep '0000:11:00.0')
if echo "$l1" | grep -q '1234:11e8' && echo "$l1" | grep -Eq 'node (-1|0)( |$)'; then
	echo "ok - GET_INFO lists edu 0000:00:03.0 on node -1/0"
else
	echo "not ok - GET_INFO edu 0000:00:03.0: '$l1'"
fi
if echo "$l2" | grep -q '1234:11e8' && echo "$l2" | grep -Eq 'node 1( |$)'; then
	echo "ok - GET_INFO lists edu 0000:11:00.0 on node 1"
else
	echo "not ok - GET_INFO edu 0000:11:00.0: '$l2'"
fi
if echo "$l1$l2" | grep -q 'group'; then echo "ok - GET_INFO reports IOMMU groups"; else echo "not ok - GET_INFO has no group information"; fi
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups cat /dev/iommubench 2>&1)
case $err in
*"Permission denied"*) echo "ok - non-root open of /dev/iommubench fails with EACCES" ;;
*) echo "not ok - non-root open of /dev/iommubench: '$err'" ;;
esac
