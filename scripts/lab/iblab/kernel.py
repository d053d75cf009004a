"""The lab kernel (scripts/lab/kernel.sh decides which), its unpacked tree,
and the guest modules taken from it: the closure through modules.dep, the
optional ones in modprobe's order, and the iommubench module built for it."""

import os
import re
import subprocess
import sys

from .base import BUILD, LABDIR, TOP, die

GUEST_MODULES = ["virtio_pci", "virtio_console", "9pnet_virtio", "9p"]
# Issue 13 (nvme and vfio engines): loaded after those, each with what
# `modprobe -S KVER --show-depends` lists (soft dependencies included, in
# its order); one the kernel lacks (iommufd: not in Debian 6.1 or 6.12) is
# left out.
# msdos (with fat) and nls_cp437 (FAT's default codepage): a filesystem to
# mount on the scratch namespace, for the nvme engine's in-use refusal
# (tests/lab/host/test_nvme.sh).
# virtio_net: the --nics ports (the net engine, issue 25).
OPTIONAL_MODULES = ["nvme", "vfio-pci", "iommufd", "msdos", "nls_cp437", "virtio_net"]
KO_SUFFIX = re.compile(r"\.ko(\.(xz|gz|zst))?$")


def kdir(kver):
    """Where the initramfs for kernel kver lives."""
    return os.path.join(LABDIR, kver)


def ktree(kver):
    """The unpacked kernel kver (scripts/lab/kernel.sh fetch): boot/,
    lib/modules/<kver>/ and usr/src/linux-headers-<kver>/, never the host's."""
    return os.path.join(LABDIR, "kernels", kver)


def lab_kver():
    """The lab kernel: LAB_KERNEL or its documented default, its headers, image
    and modules unpacked under build/lab/kernels (scripts/lab/kernel.sh: one
    rule for make and lab.py)."""
    r = subprocess.run(["bash", os.path.join(TOP, "scripts", "lab", "kernel.sh"), "check"],
                       stdout=subprocess.PIPE, text=True)
    if r.returncode:
        sys.exit(r.returncode)  # kernel.sh printed the one-line reason
    return r.stdout.strip()


def module_ko(kver):
    """The module built for kver by make module-lab."""
    return os.path.join(BUILD, "module", kver, "iommubench.ko")


def module_closure(kver, names, optional=()):
    """Module files for names plus their dependencies, dependencies first;
    names in optional that the kernel lacks are left out."""
    base = f"{ktree(kver)}/lib/modules/{kver}"
    deps = {}
    with open(f"{base}/modules.dep") as f:
        for line in f:
            mod, _, rest = line.partition(":")
            deps[mod] = rest.split()
    # Debian 6.12 ships modules compressed (9pnet_virtio.ko.xz)
    byname = {KO_SUFFIX.sub("", os.path.basename(m)).replace("-", "_"): m for m in deps}
    order = []

    def visit(m):
        if m in order:
            return
        for d in deps.get(m, []):
            visit(d)
        order.append(m)

    for n in names:
        m = byname.get(n.replace("-", "_"))
        if m is None:
            builtin = f"{base}/modules.builtin"
            if os.path.exists(builtin) and any(KO_SUFFIX.sub("", l.strip()).endswith(f"/{n}")
                                               for l in open(builtin)):
                continue
            if n in optional:
                continue
            die(3, f"kernel module {n} not found for {kver}")
        visit(m)
    return [f"{base}/{m}" for m in order]


def optional_modules(kver, have):
    """Module files for OPTIONAL_MODULES in modprobe's --show-depends order,
    without those already in have; [] for a module the kernel lacks."""
    out = []
    for n in OPTIONAL_MODULES:
        r = subprocess.run(["modprobe", "-d", ktree(kver), "-S", kver, "--show-depends", n],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines() if r.returncode == 0 else []:
            w = line.split()
            if len(w) >= 2 and w[0] == "insmod" and w[1] not in have + out:
                out.append(w[1])
    return out
