#!/usr/bin/env bash
# Host test (no GPU, no IOMMU, no QEMU boot): device-first runs (issue 23
# §2, §5).  The TARGET=auto decision (scripts/run.sh --decide, which asks
# `iommubench run --host-capable`): a fake GPU host -> host; no device ->
# lab; TARGET=lab -> lab whatever the host has.  Then `make run
# SUITE=hugepage` as make runs it (scripts/run.sh hugepage auto) with the
# fake CUDA driver and the BUILT fixture of an EC2 GPU VM without a guest
# IOMMU (tests/fixtures/sysinfo/cloud-novi): it runs on the host, boots no
# QEMU, its cuda rows are ok and SIMULATED with iommu_visibility
# "hypervisor", the module's rows are skipped with the reason, and the
# findings name the GPU.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/cuda-host.sh
cuda_host_prepare devfirst
# this machine must be one the module cannot run on (no IOMMU, or not root)
reason=$(bash scripts/host.sh reason 2>/dev/null)
[[ -n $reason ]] || { echo "the module could run here: the device-first decision is not tested"; exit 4; }

gpu=(env IOMMUBENCH_LIBCUDA="$fake" IOMMUBENCH_SYSINFO_ROOT="$fix/cloud-novi"
	IOMMUBENCH_FAKE_CUDA_BDF=0000:10:1c.0)

# --host-capable: the harness's answer, row by row
"${gpu[@]}" "$bin" run --suite hugepage --host-capable >"$tmp/hc.gpu" 2>&1
rc=$?
n=$(grep -c $'^host\tcuda-' "$tmp/hc.gpu")
check "--host-capable, fake GPU: exit 0, 54 cuda rows runnable, summary names them ($(tail -n1 "$tmp/hc.gpu"))" \
	test "$rc" = 0 -a "$n" = 54 -a "$(tail -n1 "$tmp/hc.gpu")" = "host-capable: 54 device rows (cuda 54); 34 module rows"
"$bin" run --suite hugepage --host-capable >"$tmp/hc.none" 2>&1
rc=$?
check "--host-capable, no driver, no namespace, no IOMMU: exit 4, each engine's reason ($(tail -n1 "$tmp/hc.none"))" \
	bash -c "test $rc = 4 && tail -n1 '$tmp/hc.none' | grep -q '^host-capable: none (nvme: device=/dev/nvme0n1: no such block device; vfio: no IOMMU visible (/sys/class/iommu is empty); cuda: unavailable: no libcuda.so.1'"
"${gpu[@]}" "$bin" run --suite smoke --host-capable >"$tmp/hc.smoke" 2>&1
rc=$?
check "--host-capable, fake GPU, a suite without device rows (smoke): exit 4 (cpu baselines do not count)" \
	test "$rc" = 4

# the decision, as make run takes it
"${gpu[@]}" bash scripts/run.sh --decide hugepage auto >"$tmp/d1" 2>&1
check "TARGET=auto, fake GPU host: host, the module rows skipped ($(head -n1 "$tmp/d1"))" \
	bash -c "grep -qx 'target=host' '$tmp/d1' && grep -q '^run: TARGET=auto -> host (54 device rows (cuda 54); 34 module rows, skipped here: ' '$tmp/d1'"
bash scripts/run.sh --decide hugepage auto >"$tmp/d2" 2>&1
check "TARGET=auto, no device: lab ($(head -n1 "$tmp/d2"))" \
	bash -c "grep -qx 'target=lab' '$tmp/d2' && grep -q '^run: TARGET=auto -> lab (host: ' '$tmp/d2'"
"${gpu[@]}" bash scripts/run.sh --decide hugepage lab >"$tmp/d3" 2>&1
check "TARGET=lab, fake GPU host: lab all the same" grep -qx 'target=lab' "$tmp/d3"
"${gpu[@]}" bash scripts/run.sh --decide smoke auto >"$tmp/d4" 2>&1
check "TARGET=auto, fake GPU host, smoke (no device rows): lab" grep -qx 'target=lab' "$tmp/d4"
"${gpu[@]}" bash scripts/run.sh --decide hugepage host >"$tmp/d5" 2>&1
check "TARGET=host, fake GPU host: host" grep -qx 'target=host' "$tmp/d5"
bash scripts/run.sh --decide hugepage host >"$tmp/d6" 2>&1
check "TARGET=host, no device: cannot run here ($(tail -n1 "$tmp/d6"))" grep -q '^target=none (' "$tmp/d6"

# §5: make run SUITE=hugepage on the fake GPU VM (what make run runs, after
# make build): on the host, no QEMU
"${gpu[@]}" RESULTS="$tmp/res" bash scripts/run.sh hugepage auto >"$tmp/run.out" 2>&1
rc=$?
check "make run SUITE=hugepage, fake GPU VM: exit 0 (rc=$rc: $(tail -n1 "$tmp/run.out"))" test "$rc" = 0
check "no lab boot: no 'booting the qemu-lab' line, no lab run directory" \
	bash -c "! grep -q 'booting the qemu-lab' '$tmp/run.out' && ! ls -d '$tmp'/res/hugepage/qemu-lab-* >/dev/null 2>&1"
check "SIMULATED said on the console" grep -q '^SIMULATED: .* row(s) ran on a fake CUDA driver' "$tmp/run.out"
d=$(ls -d "$tmp"/res/hugepage/*/ 2>/dev/null | head -n1)
python3 - "${d}results.json" <<'PY'
import json, sys
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
try:
    doc = json.load(open(sys.argv[1]))
except OSError as e:
    ok(False, "results.json: %s" % e)
    sys.exit(0)
ctx, rows = doc["context"], doc["results"]
ok(ctx["platform"] == "host" and ctx.get("cloud", {}).get("instance_type") == "p4d.24xlarge",
   "platform host, the fixture's instance p4d.24xlarge: %s %s" % (ctx["platform"], ctx.get("cloud")))
cuda = [r for r in rows if r.get("engine") == "cuda" and r.get("run_type") != "derived"]
okc = [r for r in cuda if r["status"] == "ok"]
jobs = sorted({r["bench"] for r in okc})
ok(jobs == ["cuda-chase", "cuda-copy"] and len(okc) >= 40 and
   all(r["params"].get("simulated") for r in okc),
   "cuda rows ok and simulated: %d of %d, jobs %s" % (len(okc), len(cuda), jobs))
ok(all(r["params"].get("iommu_visibility") == "hypervisor" and r["params"].get("device") == "0000:10:1c.0"
       for r in okc),
   "every ok cuda row: device 0000:10:1c.0, iommu_visibility hypervisor")
dirs = {r["params"].get("direction") for r in okc if r["bench"] == "cuda-copy"}
ps = {r["params"].get("page_size") for r in okc}
ok(dirs == {"to_device", "from_device"} and {"4k", "2m"} <= ps,
   "H2D and D2H copies, page sizes %s" % sorted(ps))
mod = [r for r in rows if r.get("engine") in ("edu", "map")]
ok(mod and all(r["status"] == "skipped" and "iommubench" in r.get("reason", "") for r in mod),
   "the module's rows (edu, map): %d skipped with the reason (%s)" % (len(mod), mod[0].get("reason") if mod else "-"))
ok(all("iommu_visibility" in r["params"] for r in rows if r.get("run_type") != "derived"),
   "every measured row has params.iommu_visibility")
reach = [r for r in rows if r["name"] == "finding/iotlb_reach/page_size:4k"]
ok(reach and reach[0]["finding"].startswith("IOTLB reach (4k, cuda 0000:10:1c.0): "),
   "the reach finding names the GPU: %s" % (reach[0]["finding"][:80] if reach else "none"))
PY
