# lab: --mode pt
# lab-also: --iommu amd --mode pt
# Issue #3: iommu.passthrough=1: every group is identity; the module maps
# and DMAs without translation and must not claim isolation.
. "$(dirname "$0")/module_lib.sh.inc"
WANT_DOMAIN=identity MODE=passthrough
. "$(dirname "$0")/module_nontranslated.sh.inc"
