"""The vIOMMU (--iommu, LAB_IOMMU; docs/lab.md "Which vIOMMU"): per kind the
QEMU device, the guest cmdline per --mode, the QEMU trace events counted per
point, the guest modules it needs, and whether the edu behind pxb-pcie +
root port (0000:11:00.0, node 1) is usable."""

import os

from .kernel import KO_SUFFIX, ktree

TRACE_EVENTS = ["vtd_iotlb_page_hit", "vtd_iotlb_page_update", "vtd_iotlb_cc_hit",
                "vtd_iotlb_cc_update", "vtd_iotlb_reset", "vtd_dmar_fault",
                "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
                "vtd_inv_desc_iotlb_pages", "vtd_inv_desc_cc_domain",
                "vtd_inv_desc_cc_global", "vtd_inv_desc_cc_device"]

# The trace events: counters_lab.c maps them to counter names.
# AMD (QEMU 7.2): amdvi_translation_result is one per translation (every
# lookup), amdvi_iotlb_hit a hit, amdvi_cache_update the fill after a
# successful walk, amdvi_page_fault a walk that found no permission.
TRACE_EVENTS_AMD = ["amdvi_translation_result", "amdvi_iotlb_hit", "amdvi_cache_update",
                    "amdvi_page_fault", "amdvi_iotlb_inval", "amdvi_pages_inval",
                    "amdvi_all_inval", "amdvi_devtab_inval", "amdvi_completion_wait",
                    "amdvi_iotlb_reset"]
# virtio-iommu keeps no IOTLB: its map/unmap requests and faults only
TRACE_EVENTS_VIRTIO = ["virtio_iommu_map", "virtio_iommu_unmap", "virtio_iommu_report_fault"]
VIOMMUS = {
    "intel": {"device": "intel-iommu,intremap=on,caching-mode={cm}",
              "on": ["intel_iommu=on"], "off": ["intel_iommu=off"],
              "events": TRACE_EVENTS, "modules": [], "pxb_edu": True},
    # AMD-Vi is on by default in Linux ("amd_iommu=on" is not an option)
    "amd": {"device": "amd-iommu,intremap=on", "on": [], "off": ["amd_iommu=off"],
            "events": TRACE_EVENTS_AMD, "modules": [], "pxb_edu": False},
    "virtio": {"device": "virtio-iommu-pci,bus=pcie.0", "on": [], "off": None,
               "events": TRACE_EVENTS_VIRTIO, "modules": ["virtio-iommu"], "pxb_edu": True},
    "none": {"device": None, "on": [], "off": [], "events": [], "modules": [], "pxb_edu": True},
}
# guest modules a vIOMMU needs, packed where the kernel has them
VIOMMU_MODULES = sorted({m for v in VIOMMUS.values() for m in v["modules"]})
# Why 0000:11:00.0 is left out where pxb_edu is False (lab-run.txt, docs/lab.md)
# (pxb-pcie takes only bridges, so behind a root port is the only place for a
# node-1 edu; QEMU's IVRS does cover 0000:11:xx.x: DEV_SELECT_RANGE 11:00.0-11:1f.7)
PXB_EDU_WHY = {"amd": "0000:11:00.0 left out: QEMU 7.2 amd-iommu looks DMA up by the bus number "
                      "the root port's bus had when the edu was created (0, before the firmware "
                      "numbered it), so its DMA is translated as 00:00.0's and not remapped"}


def viommu_missing(kver, iommu):
    """Why kver cannot drive the vIOMMU (its guest driver is not built), or None."""
    for n in VIOMMUS[iommu]["modules"]:
        want = n.replace("-", "_")
        for f in ("modules.dep", "modules.builtin"):
            path = f"{ktree(kver)}/lib/modules/{kver}/{f}"
            if os.path.exists(path) and any(
                    KO_SUFFIX.sub("", os.path.basename(l.split(":")[0].strip())).replace("-", "_") == want
                    for l in open(path)):
                break
        else:
            return (f"--iommu {iommu}: kernel {kver} has no {n} driver (CONFIG_VIRTIO_IOMMU is not set; "
                    "Debian's 6.12 has it: LAB_KERNEL=6.12)")
    return None


def viommu_args(args):
    """QEMU -device words, guest cmdline words and trace events for --iommu/--mode."""
    v = VIOMMUS[args.iommu]
    dev = []
    if v["device"]:
        dev = ["-device", v["device"].format(cm="on" if args.caching_mode == "on" else "off")]
    if args.mode == "off":
        return dev, list(v["off"]), v["events"]
    extra = {"strict": ["iommu.strict=1"], "lazy": ["iommu.strict=0"],
             "pt": ["iommu.passthrough=1"]}[args.mode]
    return dev, v["on"] + extra, v["events"]
