#!/usr/bin/env bash
# lab.py --iommu (issue 11), no boot (a bad LAB_IOMMU: tests/host/
# test_run_cli.sh): --mode off with virtio-iommu is
# refused (exit 1); a kernel without the virtio-iommu driver gives exit 4
# (skipped) with the reason; QEMU's cmdline per vIOMMU (lab.py's
# qemu_cmdline, called directly).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 2
. tests/lib/tap.sh

out=$(python3 scripts/lab/lab.py exec --iommu virtio --mode off -- true 2>&1); rc=$?
[[ $rc == 1 && $(wc -l <<<"$out") == 1 && $out == "lab: --mode=off: not available with --iommu virtio"* ]] &&
	echo "ok - --iommu virtio --mode off refused: exit 1, one line" || echo "not ok - virtio + off: rc=$rc out=$out"
kver=$(bash scripts/lab/kernel.sh release 2>/dev/null)
kt=$(bash scripts/lab/kernel.sh dir 2>/dev/null)
if grep -q "virtio.iommu" "$kt/lib/modules/$kver/modules.dep" "$kt/lib/modules/$kver/modules.builtin" 2>/dev/null; then
	echo "ok - no-driver refusal # SKIP lab kernel $kver has virtio-iommu"
else
	out=$(python3 scripts/lab/lab.py exec --iommu virtio -- true 2>&1); rc=$?
	[[ $rc == 4 && $out == "lab: --iommu virtio: kernel $kver has no virtio-iommu driver"* ]] &&
		echo "ok - --iommu virtio on $kver: exit 4 (skipped), one line" || echo "not ok - virtio on $kver: rc=$rc out=$out"
fi

python3 - <<'PY'
import argparse, importlib.util, shlex
spec = importlib.util.spec_from_file_location("lab", "scripts/lab/lab.py")
lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)

def cmdline(iommu, mode="strict"):
    a = argparse.Namespace(mem=2048, smp=1, caching_mode="on", iommu=iommu, mode=mode,
                           edu_dma_mask="", icount=True, icount_shift="0", trace=True,
                           panic_on_oops=False, hugepages=0, hugepages_1g=0, append="", nvme=0, nics=0)
    c = lab.qemu_cmdline(a, "K", "initrd", "/c", "/o", "/t.log", "/s")
    return c, c[c.index("-append") + 1].split()

c, app = cmdline("intel")
ok("intel-iommu,intremap=on,caching-mode=on" in c and "intel_iommu=on" in app and "bus=rp1" in " ".join(c),
   "intel: intel-iommu, intel_iommu=on, both edus")
c, app = cmdline("amd", "lazy")
j = " ".join(c)
ok("amd-iommu,intremap=on" in c and not any(a.startswith("intel_iommu") or a.startswith("amd_iommu") for a in app)
   and "iommu.strict=0" in app, "amd: amd-iommu, no amd_iommu= option (on by default), iommu.strict=0")
ok("bus=rp1" not in j and "pxb-pcie" not in j, "amd: the edu behind pxb-pcie + root port left out")
ok("enable=amdvi_iotlb_hit" in j and "enable=amdvi_cache_update" in j and "vtd_" not in j,
   "amd: amdvi_* trace events, no vtd_*")
c, app = cmdline("amd", "off")
ok("amd_iommu=off" in app, "amd --mode off: amd_iommu=off")
c, app = cmdline("virtio")
j = " ".join(c)
ok("virtio-iommu-pci,bus=pcie.0" in c and "enable=virtio_iommu_map" in j and "bus=rp1" in j,
   "virtio: virtio-iommu-pci, virtio_iommu_* events, both edus")
c, app = cmdline("none")
ok(not any(x.startswith(("intel-iommu", "amd-iommu", "virtio-iommu")) for x in c) and "-trace" not in c,
   "none: no vIOMMU device, no trace events")
PY
