# lab: --mode off
# lab-also: --iommu amd --mode off
# Issue #3: intel_iommu=off (amd_iommu=off on AMD-Vi): no IOMMU domain at all (GET_INFO "none"); the
# module maps and DMAs through dma-direct and must not claim isolation.
. "$(dirname "$0")/module_lib.sh.inc"
WANT_DOMAIN=none MODE=iommu-off
. "$(dirname "$0")/module_nontranslated.sh.inc"
