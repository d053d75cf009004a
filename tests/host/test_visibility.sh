#!/usr/bin/env bash
# Host test (no GPU, no IOMMU needed): params.iommu_visibility (issue 23 §2;
# docs/results-schema.md, "iommu_visibility") on each BUILT fixture tree of
# tests/fixtures/sysinfo/ (IOMMUBENCH_SYSINFO_ROOT), through one ad-hoc cuda
# row on the fake driver whose GPU is the fixture's device, and variants in
# temporary copies: the device's group in identity, a VM with a vIOMMU in
# identity, a device with no group beside IOMMU units, a root with neither
# cpuinfo nor DMI (unknown), and rows that move no device DMA (null: off).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/cuda-host.sh
cuda_host_prepare vis

# vis ID ROOT BDF [ENGINE]: one ad-hoc row under ROOT; prints
# "<status> <iommu_visibility>" of its row
vis() {
	IOMMUBENCH_SYSINFO_ROOT=$2 IOMMUBENCH_LIBCUDA=$fake IOMMUBENCH_FAKE_CUDA_BDF=$3 \
		$bin run --engine "${4:-cuda}" --iterations 16 --min-reps 1 --max-reps 1 \
		--results-dir "$tmp/r" --run-id "$1" >"$tmp/$1.out" 2>&1
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["status"], r["params"].get("iommu_visibility"))' "$tmp/r/adhoc/$1/results.json" 2>/dev/null || echo "none none"
}

# expect NAME WANT GOT
expect() { check "$1: $3 (expected $2)" test "$3" = "$2"; }

expect "vtd-metal: bare metal, VT-d, the A100's group DMA -> host" "ok host" \
	"$(vis vtd "$fix/vtd-metal" 0000:4b:00.0)"
expect "amdvi-metal: bare metal, AMD-Vi, group DMA -> host" "ok host" \
	"$(vis amd "$fix/amdvi-metal" 0000:c1:00.0)"
expect "cloud-novi: EC2 VM (hypervisor bit), no IOMMU unit -> hypervisor" "ok hypervisor" \
	"$(vis ec2 "$fix/cloud-novi" 0000:10:1c.0)"
expect "qemu-viommu: QEMU VM (DMI), vIOMMU, group DMA -> guest-viommu" "ok guest-viommu" \
	"$(vis qemu "$fix/qemu-viommu" 0000:01:00.0)"

# variants (copies; the committed trees stay as built)
cp -a "$fix/vtd-metal" "$tmp/vtd-id"
g=$(basename "$(readlink "$fix/vtd-metal/sys/bus/pci/devices/0000:4b:00.0/iommu_group")")
echo identity >"$tmp/vtd-id/sys/kernel/iommu_groups/$g/type"
expect "vtd-metal, the GPU's group identity (passthrough) -> off" "ok off" \
	"$(vis vtdid "$tmp/vtd-id" 0000:4b:00.0)"
cp -a "$fix/qemu-viommu" "$tmp/qemu-id"
g=$(basename "$(readlink "$fix/qemu-viommu/sys/bus/pci/devices/0000:01:00.0/iommu_group")")
echo identity >"$tmp/qemu-id/sys/kernel/iommu_groups/$g/type"
expect "qemu-viommu, group identity: the vIOMMU passes it through -> hypervisor" "ok hypervisor" \
	"$(vis qemuid "$tmp/qemu-id" 0000:01:00.0)"
expect "vtd-metal, a device in no IOMMU group (the fake's default 0000:65:00.0) -> off" "ok off" \
	"$(vis vtdnog "$fix/vtd-metal" 0000:65:00.0)"
mkdir -p "$tmp/empty/proc"
expect "a root with no cpuinfo and no DMI -> unknown" "ok unknown" \
	"$(vis empty "$tmp/empty" 0000:10:1c.0)"
cp -a "$fix/qemu-viommu" "$tmp/qemu-notype"
rm -f "$tmp/qemu-notype/sys/kernel/iommu_groups/$g/type"
expect "qemu-viommu, the group's type unreadable -> unknown" "ok unknown" \
	"$(vis notype "$tmp/qemu-notype" 0000:01:00.0)"
expect "null engine (no device DMA) on qemu-viommu -> off" "ok off" \
	"$(vis null "$fix/qemu-viommu" 0000:01:00.0 null)"
expect "null engine on cloud-novi -> off" "ok off" \
	"$(vis null2 "$fix/cloud-novi" 0000:10:1c.0 null)"
# a row whose device never resolved (cuda without a driver): the machine's
expect "cuda without a driver on cloud-novi: skipped, the machine's visibility -> hypervisor" \
	"skipped hypervisor" "$(fake=/nonexistent/libcuda.so vis nodrv "$fix/cloud-novi" 0000:10:1c.0)"
