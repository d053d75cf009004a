#!/usr/bin/env python3
"""iommubench lab runner: packs an initramfs and boots the QEMU vIOMMU lab.

The lab is a TARGET of the same harness, not a second implementation: the
initramfs carries build/iommubench (with the shared libraries it needs), the
module built against Debian's installed linux-headers-*-amd64, the suites and
the guest-side lab tests.  Inside the VM /init loads the module and runs one
shell command; results are written straight into a host directory shared
over virtio-9p (/out in the guest).

Per-point counter attribution: the guest harness writes "BEGIN <row>" /
"END <row>" lines to a virtio-serial port and blocks until we answer "ACK".
At each mark we record the byte size of QEMU's trace log (the log backend
flushes every event), so events between two marks belong to that point.
See docs/lab.md.

    lab.py build
    lab.py exec [options] [--add SRC[:DEST]]... [--no-trace] -- <guest shell command>
"""

import argparse
import fcntl
import glob
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("IOMMUBENCH_BUILD", os.path.join(TOP, "build")))
# build/lab: the Open MPI overlay (kernel-independent); build/lab/<release>:
# the initramfs packed for that kernel, so labs of two kernels can run at once
# (make test runs 6.1 and 6.12 side by side).
LABDIR = os.path.join(BUILD, "lab")


def kdir(kver):
    """Where the initramfs for kernel kver lives."""
    return os.path.join(LABDIR, kver)


def ktree(kver):
    """The unpacked kernel kver (scripts/lab/kernel.sh fetch): boot/,
    lib/modules/<kver>/ and usr/src/linux-headers-<kver>/, never the host's."""
    return os.path.join(LABDIR, "kernels", kver)


class Lock:
    """flock(2) on path: two labs packing one initramfs wait for each other."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w")

    def __enter__(self):
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()
PROG = "lab"

GUEST_MODULES = ["virtio_pci", "virtio_console", "9pnet_virtio", "9p"]
# Issue 13 (nvme and vfio engines): loaded after those, each with what
# `modprobe -S KVER --show-depends` lists (soft dependencies included, in
# its order); one the kernel lacks (iommufd: not in Debian 6.1 or 6.12) is
# left out.
# msdos (with fat) and nls_cp437 (FAT's default codepage): a filesystem to
# mount on the scratch namespace, for the nvme engine's in-use refusal
# (tests/lab/host/test_nvme.sh).
OPTIONAL_MODULES = ["nvme", "vfio-pci", "iommufd", "msdos", "nls_cp437"]
TRACE_EVENTS = ["vtd_iotlb_page_hit", "vtd_iotlb_page_update", "vtd_iotlb_cc_hit",
                "vtd_iotlb_cc_update", "vtd_iotlb_reset", "vtd_dmar_fault",
                "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
                "vtd_inv_desc_iotlb_pages", "vtd_inv_desc_cc_domain",
                "vtd_inv_desc_cc_global", "vtd_inv_desc_cc_device"]

# The vIOMMU (--iommu, LAB_IOMMU; docs/lab.md "Which vIOMMU"): QEMU device,
# the guest cmdline per --mode, the QEMU trace events counted per point
# (counters_lab.c maps them to counter names), extra guest modules, and
# whether the edu behind pxb-pcie + root port (0000:11:00.0) is usable.
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


def shown(path):
    """A path as the user would type it: relative to the checkout when inside it."""
    rel = os.path.relpath(path, TOP)
    return path if rel.startswith("..") else rel


def die(code, msg):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(code)


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


KO_SUFFIX = re.compile(r"\.ko(\.(xz|gz|zst))?$")


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


def shared_libs(paths):
    """Every shared library (and the loader) the given ELF files need."""
    libs = set()
    for p in paths:
        out = subprocess.run(["ldd", p], capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.search(r"(/\S+)\s+\(0x", line)
            if m and os.path.exists(m.group(1)):
                libs.add(m.group(1))
    return sorted(libs)


def pack_cpio(root, f, what):
    """Appends root's tree to the open file f as a gzip'd newc cpio archive."""
    files = subprocess.run(["find", ".", "-print0"], cwd=root, capture_output=True).stdout
    cpio = subprocess.Popen(["cpio", "--null", "-o", "-H", "newc", "--quiet"], cwd=root,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=f)
    cpio.stdin.write(files)
    cpio.stdin.close()
    cpio.stdout.close()
    if cpio.wait() or gz.wait():
        die(2, f"packing {what} failed")


INIT = r"""#!/bin/busybox sh
# iommubench lab /init: mount, load modules, run /lab/cmd.sh, power off.
/bin/busybox --install -s /bin
export PATH=/opt/iommubench/bin:/opt/iommubench/labtools:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/hugepages /sys/kernel/tracing /sys/kernel/debug /tmp /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t hugetlbfs hugetlbfs /dev/hugepages
mount -t tmpfs tmpfs /tmp
hostname qemu-lab
echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >> /etc/passwd
echo "root:x:0:" > /etc/group; echo "nogroup:x:65534:" >> /etc/group
for m in $(cat /opt/lab/modules.list); do insmod "$m" || echo "IB-LAB-WARN insmod $m failed"; done
mkdir -p /lab /out
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 labctl /lab; then
	echo "IB-LAB-FAIL cannot mount the control share"; poweroff -f
fi
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /out || {
	echo "IB-LAB-FAIL cannot mount the results share" > /lab/status; poweroff -f; }
if [ ! -e /lab/no-module ]; then
	if ! msg=$(insmod /opt/iommubench/iommubench.ko $(cat /lab/module-params 2>/dev/null) 2>&1); then
		echo "module-load-failed: ${msg:-insmod failed}" > /lab/status
		echo "IB-LAB-FAIL module load failed: $msg"
		sync; poweroff -f
	fi
fi
for p in /sys/class/virtio-ports/*; do
	[ "$(cat $p/name 2>/dev/null)" = iommubench.ctl ] && export IOMMUBENCH_LAB_CTL=/dev/${p##*/}
done
export IOMMUBENCH_PLATFORM=qemu-lab HOME=/root
echo ready > /lab/status
echo; echo "IB-LAB-READY"
cd /out
sh /lab/cmd.sh
rc=$?
echo $rc > /lab/exit
echo "IB-LAB-EXIT $rc"
sync
poweroff -f
"""


def build(args, kver=None):
    kver = kver or lab_kver()
    with Lock(os.path.join(kdir(kver), ".lock")):
        return build_locked(args, kver)


def build_locked(args, kver):
    ko = module_ko(kver)
    binp = os.path.join(BUILD, "iommubench")
    if not os.path.exists(binp):
        die(3, "build/iommubench missing: run make build")
    if not os.path.exists(ko):
        print(f"{PROG}: warning: {shown(ko)} missing (make module-lab LAB_KERNEL={kver}): "
              "the guest will report a module load failure", file=sys.stderr)
    bb = shutil.which("busybox") or "/bin/busybox"
    if subprocess.run(["file", "-L", bb], capture_output=True, text=True).stdout.find("statically") < 0 \
            and os.path.exists("/bin/busybox"):
        bb = "/bin/busybox"
    root = tempfile.mkdtemp(prefix="iblab-root-")
    os.chmod(root, 0o755)  # the guest's /: mkdtemp's 0700 locks non-root users out
    try:
        for d in ("bin", "sbin", "proc", "sys", "dev", "etc", "tmp", "root",
                  "opt/lab", "opt/iommubench/bin", "opt/iommubench/labtools",
                  "opt/iommubench/suites", "opt/iommubench/tests/lab/guest",
                  "opt/iommubench/plots", "opt/iommubench/include"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy2(bb, os.path.join(root, "bin", "busybox"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        # virtio-iommu (--iommu virtio) where the kernel has it (6.12: a
        # module; Debian 6.1: not built), loaded right after virtio_pci
        mods = module_closure(kver, GUEST_MODULES[:1] + VIOMMU_MODULES + GUEST_MODULES[1:],
                              optional=VIOMMU_MODULES)
        mods += optional_modules(kver, mods)
        mlist = []
        for m in mods:
            name = KO_SUFFIX.sub("", os.path.basename(m)) + ".ko"
            dst = os.path.join(root, "opt/lab", name)
            decomp = {".xz": ["xz", "-dc"], ".gz": ["gzip", "-dc"], ".zst": ["zstd", "-dcq"]}
            ext = os.path.splitext(m)[1]
            if ext in decomp:
                # busybox insmod cannot read compressed modules
                with open(dst, "wb") as f:
                    if subprocess.run(decomp[ext] + [m], stdout=f).returncode:
                        die(3, f"cannot decompress {m} ({decomp[ext][0]} missing?)")
            else:
                shutil.copy2(m, dst)
            mlist.append("/opt/lab/" + name)
        with open(os.path.join(root, "opt/lab/modules.list"), "w") as f:
            f.write("\n".join(mlist) + "\n")
        if os.path.exists(ko):
            shutil.copy2(ko, os.path.join(root, "opt/iommubench/iommubench.ko"))
        shutil.copy2(binp, os.path.join(root, "opt/iommubench/bin/iommubench"))
        elves = [binp]
        tools = sorted(glob.glob(os.path.join(BUILD, "labtools", "*")))
        for t in tools:
            if os.access(t, os.X_OK) and os.path.isfile(t):
                shutil.copy2(t, os.path.join(root, "opt/iommubench/labtools"))
                elves.append(t)
        plugdir = "/usr/lib/x86_64-linux-gnu/hwloc"
        for p in glob.glob(plugdir + "/hwloc_pci.so"):
            os.makedirs(root + plugdir, exist_ok=True)
            shutil.copy2(p, root + plugdir)
            elves.append(p)
        for lib in shared_libs(elves):
            dst = root + lib
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(lib, dst)
            real = os.path.realpath(lib)
            if real != lib and not os.path.exists(root + real):
                os.makedirs(os.path.dirname(root + real), exist_ok=True)
                shutil.copy2(real, root + real)
        # x86-64 loader path some binaries use
        if os.path.exists("/lib64/ld-linux-x86-64.so.2"):
            os.makedirs(root + "/lib64", exist_ok=True)
            shutil.copy2("/lib64/ld-linux-x86-64.so.2", root + "/lib64/")
        shutil.copy2(os.path.join(TOP, "kernels", "include", "uapi", "iommubench.h"),
                     os.path.join(root, "opt/iommubench/include"))
        for s in glob.glob(os.path.join(TOP, "bench", "suites", "*.suite")):
            shutil.copy2(s, os.path.join(root, "opt/iommubench/suites"))
        for s in glob.glob(os.path.join(TOP, "tests", "lab", "guest", "*")):
            shutil.copy2(s, os.path.join(root, "opt/iommubench/tests/lab/guest"))
        for s in glob.glob(os.path.join(TOP, "plots", "*.gp")):
            shutil.copy2(s, os.path.join(root, "opt/iommubench/plots"))
        os.makedirs(kdir(kver), exist_ok=True)
        out = os.path.join(kdir(kver), "initrd.gz")
        tmp = f"{out}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pack_cpio(root, f, "the initramfs")
        os.replace(tmp, out)
        if not args.quiet:
            print(f"{PROG}: initramfs {os.path.relpath(out, TOP)} for kernel {kver} "
                  f"({os.path.getsize(out) // 1024} KiB)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return kver


EXTRA_DIR = "/opt/extra"
DEST_OK = re.compile(r"^[A-Za-z0-9._+-]+(/[A-Za-z0-9._+-]+)*$")


def parse_adds(specs):
    """--add SRC[:DEST] -> [(host path, path under EXTRA_DIR)]; one line on bad input."""
    adds, seen = [], set()
    for spec in specs:
        src, sep, dest = spec.partition(":")
        if not src:
            die(1, f"--add={spec!r}: expected SRC[:DEST] (a host file or directory)")
        if not os.path.exists(src):
            die(1, f"--add={spec!r}: SRC {src}: no such file or directory")
        if not sep:
            dest = os.path.basename(os.path.normpath(os.path.abspath(src)))
        dest = dest.rstrip("/")
        if (not DEST_OK.match(dest) or any(c in (".", "..") for c in dest.split("/"))):
            die(1, f"--add={spec!r}: DEST {dest!r}: expected a relative path under {EXTRA_DIR} "
                   "of letters, digits and . _ + - (no '..', no absolute path)")
        if dest in seen:
            die(1, f"--add={spec!r}: DEST {dest!r} given twice")
        seen.add(dest)
        adds.append((os.path.abspath(src), dest))
    return adds


def overlay_initrd(base, adds, workdir):
    """base + a second gzip'd newc cpio holding adds under EXTRA_DIR: the
    kernel unpacks concatenated archives in order, so the files land in the
    guest's rootfs (RAM) without repacking the base initramfs."""
    root = os.path.join(workdir, "root")
    for src, dest in adds:
        dst = os.path.join(root, EXTRA_DIR.lstrip("/"), dest)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    out = os.path.join(workdir, "initrd-extra.gz")
    with open(out, "wb") as f:
        with open(base, "rb") as b:
            shutil.copyfileobj(b, f)
        f.flush()
        pack_cpio(root, f, "the --add overlay")
    return out


# --mpi: Open MPI in the guest (issue 14), as a second cpio appended to the
# initramfs (like --add), packed once into build/lab/mpi-overlay.gz: the
# launcher (orterun as mpirun, orted), libmpi and its plugins, PMIx, the help
# texts and the MCA defaults, the MPI shim next to the harness, and every
# shared library they need.
MPI_TREES = ["/usr/lib/x86_64-linux-gnu/openmpi", "/usr/lib/x86_64-linux-gnu/pmix2",
             "/usr/share/openmpi", "/usr/share/pmix", "/etc/openmpi"]
MPI_SKIP = re.compile(r"ofi|ucx|openib|psm|verbs|cuda|hcoll|ucc|portals|usnic|_ze\b")
MPI_BINS = [("/usr/bin/orterun", "usr/bin/mpirun"), ("/usr/bin/orted", "usr/bin/orted")]


def mpi_overlay():
    shim = os.path.join(BUILD, "libiommubench-mpi.so")
    if not os.path.exists(shim):
        die(3, f"--mpi: {shown(shim)} missing (make build with libopenmpi-dev installed)")
    for b, _ in MPI_BINS:
        if not os.path.exists(b):
            die(3, f"--mpi: {b} missing (make deps: openmpi-bin)")
    out = os.path.join(LABDIR, "mpi-overlay.gz")
    srcs = [shim] + [b for b, _ in MPI_BINS]
    if os.path.exists(out) and all(os.path.getmtime(out) >= os.path.getmtime(x) for x in srcs):
        return out
    root = tempfile.mkdtemp(prefix="iblab-mpi-")
    try:
        elves = []
        for t in MPI_TREES:
            if os.path.isdir(t):
                # no static libraries, no plugins for fabrics a VM lacks
                # (they pull in libfabric, UCX, verbs: 20 -> 7 MiB packed)
                shutil.copytree(t, root + t, symlinks=True, dirs_exist_ok=True,
                                ignore=lambda d, fs: [f for f in fs if f.endswith((".a", ".la"))
                                                      or MPI_SKIP.search(f)])
                for dp, _, fs in os.walk(root + t):
                    elves += [os.path.join(dp, f)[len(root):] for f in fs if ".so" in f and
                              os.path.isfile(os.path.join(dp, f))]
        for src, dst in MPI_BINS:
            os.makedirs(os.path.dirname(os.path.join(root, dst)), exist_ok=True)
            shutil.copy2(src, os.path.join(root, dst))
            elves.append(src)
        os.makedirs(os.path.join(root, "opt/iommubench/bin"), exist_ok=True)
        shutil.copy2(shim, os.path.join(root, "opt/iommubench/bin"))
        elves.append(shim)
        for lib in shared_libs(elves):
            real = os.path.realpath(lib)
            if not os.path.lexists(root + real):
                os.makedirs(os.path.dirname(root + real), exist_ok=True)
                shutil.copy2(real, root + real)
            if lib != real and not os.path.lexists(root + lib):
                os.makedirs(os.path.dirname(root + lib), exist_ok=True)
                os.symlink(real, root + lib)
        os.makedirs(LABDIR, exist_ok=True)
        tmp = f"{out}.{os.getpid()}.tmp"  # two labs may pack at once
        with open(tmp, "wb") as f:
            pack_cpio(root, f, "the Open MPI overlay")
        os.replace(tmp, out)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


# --ranks N: the guest command's `iommubench` runs as N MPI ranks on the one
# node (plm isolated: no ssh; loopback up for Open MPI's own sockets).
MPI_PRELUDE = """export PATH=$PATH:/usr/bin OMPI_MCA_plm=isolated
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ip link set lo up; echo "127.0.0.1 localhost $(hostname)" > /etc/hosts
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
iommubench() {{ mpirun --oversubscribe --bind-to none --enable-recovery -np {n} /opt/iommubench/bin/iommubench "$@"; }}
"""


def append_initrd(initrd, extra, workdir):
    """initrd followed by another gzip'd cpio (the kernel unpacks both)."""
    out = os.path.join(workdir, "initrd-mpi.gz")
    with open(out, "wb") as f:
        for p in (initrd, extra):
            with open(p, "rb") as b:
                shutil.copyfileobj(b, f)
    return out


class MarkServer(threading.Thread):
    """Answers the guest's BEGIN/END marks and records trace-log offsets."""

    def __init__(self, sock_path, trace_path, marks_path):
        super().__init__(daemon=True)
        self.sock_path, self.trace_path, self.marks_path = sock_path, trace_path, marks_path
        self.stop = False
        self.count = 0

    def run(self):
        s = None
        for _ in range(600):
            if self.stop:
                return
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock_path)
                break
            except OSError:
                s.close()
                s = None
                time.sleep(0.05)
        if s is None:
            return
        buf = b""
        with open(self.marks_path, "a") as marks:
            while not self.stop:
                try:
                    data = s.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    text = line.decode(errors="replace").strip()
                    kind, _, name = text.partition(" ")
                    if kind not in ("BEGIN", "END"):
                        continue
                    try:
                        off = os.path.getsize(self.trace_path)
                    except OSError:
                        off = 0
                    marks.write(f"{kind}\t{name}\t{off}\n")
                    marks.flush()
                    self.count += 1
                    # the host's clock: the guest's is virtual (progress ETAs)
                    s.sendall(f"ACK {time.monotonic_ns()}\n".encode())
        s.close()


def qopt(value):
    """A value inside a QEMU option string (-device a=b,c=d): QEMU reads ','
    as the next property, and ',,' as a literal comma."""
    return str(value).replace(",", ",,")


def qemu_cmdline(args, kver, initrd, ctl_dir, out_dir, trace_log, sock):
    mem = args.mem
    half = mem // 2
    cmd = ["qemu-system-x86_64", "-M", "q35,kernel-irqchip=split", "-accel", "tcg",
           "-m", str(mem), "-smp", str(args.smp), "-cpu", "max",
           "-object", f"memory-backend-ram,id=m0,size={half}M",
           "-object", f"memory-backend-ram,id=m1,size={mem - half}M"]
    if args.smp >= 2:
        cmd += ["-numa", "node,nodeid=0,cpus=0,memdev=m0",
                "-numa", f"node,nodeid=1,cpus=1-{args.smp - 1},memdev=m1"]
    else:
        # icount serialises vCPUs: one CPU and a memory-only node 1 (docs/lab.md)
        cmd += ["-numa", "node,nodeid=0,cpus=0,memdev=m0", "-numa", "node,nodeid=1,memdev=m1"]
    cmd += ["-numa", "dist,src=0,dst=1,val=21"]
    viommu_dev, viommu_append, events = viommu_args(args)
    cmd += viommu_dev
    edu = "edu" + (f",dma_mask={args.edu_dma_mask}" if args.edu_dma_mask else "")
    cmd += ["-device", f"{edu},bus=pcie.0,addr=03.0"]
    if VIOMMUS[args.iommu]["pxb_edu"]:
        cmd += ["-device", "pxb-pcie,id=pxb1,bus_nr=16,numa_node=1,bus=pcie.0",
                "-device", "pcie-root-port,id=rp1,bus=pxb1,chassis=1",
                "-device", f"{edu},bus=rp1"]
    if args.nvme:
        # scratch namespace (read-only use by the nvme engine): a sparse raw
        # image in the log directory, thrown away with it
        img = os.path.join(os.path.dirname(trace_log), "nvme-scratch.img")
        with open(img, "wb") as f:
            f.truncate(args.nvme)
        cmd += ["-drive", f"file={qopt(img)},if=none,id=nv0,format=raw",
                "-device", "nvme,serial=ib0,drive=nv0,bus=pcie.0"]
    cmd += ["-fsdev", f"local,id=labctl,path={qopt(ctl_dir)},security_model=none",
            "-device", "virtio-9p-pci,fsdev=labctl,mount_tag=labctl,bus=pcie.0",
            "-fsdev", f"local,id=out,path={qopt(out_dir)},security_model=none",
            "-device", "virtio-9p-pci,fsdev=out,mount_tag=out,bus=pcie.0",
            "-device", "virtio-serial-pci,bus=pcie.0",
            "-chardev", f"socket,id=ibctl,path={qopt(sock)},server=on,wait=off",
            "-device", "virtserialport,chardev=ibctl,name=iommubench.ctl"]
    if args.icount:
        cmd += ["-icount", f"shift={args.icount_shift},sleep=off"]
    if args.trace and events:  # --iommu none: nothing to trace
        cmd += ["-D", trace_log] + [a for e in events for a in ("-trace", f"enable={e}")]
    # nokaslr: the same physical layout every boot (KASLR moved the kernel
    # at random, and with it what the boot-time 1 GiB page and a buffer's
    # physical pieces could get: a 1G page was found in some boots only)
    append = ["console=ttyS0", "quiet", "loglevel=4", "panic=-1", "nokaslr",
              "oops=panic" if args.panic_on_oops else ""]
    append += viommu_append
    if args.hugepages:
        append += [f"hugepagesz=2M hugepages={args.hugepages}"]
    if args.hugepages_1g:
        # 1 GiB pages only reliably at boot: at run time the buddy allocator
        # rarely finds 1 GiB of contiguous free memory (seen: skipped runs).
        append += [f"hugepagesz=1G hugepages={args.hugepages_1g}"]
    if args.append:
        append.append(args.append)
    cmd += ["-kernel", f"{ktree(kver)}/boot/vmlinuz-{kver}", "-initrd", initrd,
            "-append", " ".join(a for a in append if a),
            "-nographic", "-no-reboot", "-nic", "none", "-vga", "none"]
    return cmd


def exec_cmd(args):
    if not args.command:
        die(1, "exec: no guest command given (lab.py exec [options] -- CMD)")
    kver = lab_kver()
    why = viommu_missing(kver, args.iommu)
    if why:
        die(4, why)
    initrd = os.path.join(kdir(kver), "initrd.gz")
    if args.rebuild or not os.path.exists(initrd):
        build(argparse.Namespace(quiet=True), kver)
    adds = args.adds
    out_dir = os.path.abspath(args.out or tempfile.mkdtemp(prefix="iblab-out-"))
    log_dir = os.path.abspath(args.logdir or out_dir)
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(log_dir, exist_ok=True)
    ctl_dir = tempfile.mkdtemp(prefix="iblab-ctl-")
    # the socket lives outside the 9p share
    sock_dir = tempfile.mkdtemp(prefix="iblab-sock-")
    sock = os.path.join(sock_dir, "ctl.sock")
    if adds:
        # per exec, next to the socket (removed with it)
        initrd = overlay_initrd(initrd, adds, sock_dir)
    if args.ranks > 1:
        args.mpi = True
    if args.mpi:
        initrd = append_initrd(initrd, mpi_overlay(), sock_dir)
    trace_log = os.path.join(log_dir, "qemu-trace.log")
    marks = os.path.join(log_dir, "marks.tsv")
    console = os.path.join(log_dir, "console.log")
    for p in (trace_log, marks):
        if os.path.exists(p):
            os.unlink(p)
    with open(os.path.join(ctl_dir, "cmd.sh"), "w") as f:
        f.write("#!/bin/sh\n" + (MPI_PRELUDE.format(n=args.ranks) if args.ranks > 1 else "")
                + " ".join(args.command) + "\n")
    if args.no_module:
        open(os.path.join(ctl_dir, "no-module"), "w").close()
    if args.module_params:
        with open(os.path.join(ctl_dir, "module-params"), "w") as f:
            f.write(args.module_params + "\n")
    cmd = qemu_cmdline(args, kver, initrd, ctl_dir, out_dir, trace_log, sock)
    with open(os.path.join(log_dir, "qemu-cmdline.txt"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
    t0 = time.monotonic()
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)

    def kill_qemu(*_):
        try:
            os.killpg(qemu.pid, signal.SIGKILL)
        except OSError:
            pass

    def interrupted(*_):
        # Kill and reap QEMU; the timeout timer is a daemon thread, so the
        # exit does not wait for it (it used to: Ctrl-C hung for --timeout).
        kill_qemu()
        try:
            qemu.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(ctl_dir, ignore_errors=True)
        shutil.rmtree(sock_dir, ignore_errors=True)
        die(2, "interrupted")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    marker = MarkServer(sock, trace_log, marks)
    marker.start()
    ready_at = None
    guest_rc = None
    fail = None
    last = ""
    state = {"timed_out": False}

    def on_timeout():
        state["timed_out"] = True
        kill_qemu()

    timer = threading.Timer(args.timeout, on_timeout)
    timer.daemon = True
    timer.start()
    with open(console, "wb") as con:
        for raw in qemu.stdout:
            con.write(raw)
            con.flush()
            line = raw.decode(errors="replace").rstrip("\r\n")
            line = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|.)", "", line)
            if line.strip():
                last = line.strip()
            if re.search(r"IB-LAB-READY\s*$", line):
                ready_at = time.monotonic() - t0
                continue
            m = re.match(r"IB-LAB-EXIT (\d+)", line)
            if m:
                guest_rc = int(m.group(1))
                continue
            m = re.match(r"IB-LAB-FAIL (.*)", line)
            if m:
                fail = m.group(1)
                continue
            if ready_at is not None and guest_rc is None and not args.quiet:
                print(line, flush=True)
    qemu.wait()
    timer.cancel()
    marker.stop = True
    wall = time.monotonic() - t0
    timed_out = state["timed_out"]
    shutil.rmtree(ctl_dir, ignore_errors=True)
    shutil.rmtree(sock_dir, ignore_errors=True)
    # caching mode is a VT-d property (AMD-Vi's NpCache is always set by QEMU)
    cm = args.caching_mode if args.iommu == "intel" else f"n/a ({args.iommu})"
    with open(os.path.join(log_dir, "lab-run.txt"), "w") as f:
        f.write(f"kernel={kver}\niommu={args.iommu}\n"
                + (f"pxb_edu={PXB_EDU_WHY[args.iommu]}\n" if not VIOMMUS[args.iommu]["pxb_edu"] else "")
                + f"mode={args.mode}\ncaching_mode={cm}\n"
                f"smp={args.smp}\nicount={('shift=' + args.icount_shift) if args.icount else 'off'}\nmem_mb={args.mem}\n"
                f"trace={'on' if args.trace else 'off (--no-trace)'}\n"
                f"extra={' '.join(EXTRA_DIR + '/' + d for _, d in adds) or 'none'}\n"
                f"mpi={'on' if args.mpi else 'off'}\nranks={args.ranks}\n"
                f"boot_s={ready_at if ready_at is not None else 'n/a'}\nwall_s={wall:.1f}\n"
                f"marks={marker.count}\nguest_rc={guest_rc}\n")
    if not args.quiet:
        print(f"{PROG}: qemu-lab ({args.iommu}, {args.mode}, caching-mode {cm}, smp {args.smp}): "
              f"boot {ready_at or 0:.1f}s, wall {wall:.1f}s, console log {shown(console)}",
              file=sys.stderr)
    if timed_out:
        die(2, f"timeout: the lab run exceeded {args.timeout}s (console log: {console})")
    if fail:
        die(2, f"{fail} (console log: {console})")
    if ready_at is None:
        die(2, f"boot failed: the guest never became ready; last console line: {last[:200]!r} "
               f"(console log: {console})")
    if guest_rc is None:
        die(2, f"the guest stopped before the command finished; last console line: {last[:200]!r}")
    return guest_rc


def dma_mask(text):
    """--edu-dma-mask (LAB_EDU_DMA_MASK): a number, decimal or 0x hex, that
    fits in 64 bits; it lands in QEMU's -device edu,dma_mask=...  Empty (the
    default): the edu's own mask."""
    if not text:
        return text
    if not re.fullmatch(r"0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20}", text) or not 0 < int(text, 0) < 1 << 64:
        raise argparse.ArgumentTypeError(
            f"--edu-dma-mask={text!r} (LAB_EDU_DMA_MASK): expected a number such as 0xffffffffffff "
            "(decimal or 0x hex, 1 to 2^64-1)")
    return text


class Parser(argparse.ArgumentParser):
    """Bad input: one line naming the option, exit 1 (the exit-code contract;
    argparse's own is 2)."""

    def error(self, message):
        die(1, message)


def nvme_size(text):
    """--nvme SIZE: 1M..64G with an optional K/M/G suffix."""
    m = re.fullmatch(r"([0-9]{1,12})([KMG]?)", text.strip().upper())
    n = int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)] if m else 0
    if not (1 << 20) <= n <= (64 << 30):
        raise argparse.ArgumentTypeError(f"--nvme={text}: expected a size 1M..64G such as 64M")
    return n


def main():
    ap = Parser(prog="lab.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="verb", required=True)
    b = sub.add_parser("build", help="pack the initramfs")
    b.add_argument("--quiet", action="store_true")
    e = sub.add_parser("exec", help="boot the lab and run a guest command")
    e.add_argument("--out", help="host directory mounted at /out (default: a new temp dir)")
    e.add_argument("--logdir", help="where console.log, qemu-trace.log, marks.tsv go (default: --out)")
    e.add_argument("--mode", choices=["strict", "lazy", "pt", "off"], default="strict",
                   help="IOMMU mode on the guest kernel cmdline")
    e.add_argument("--caching-mode", choices=["on", "off"], default="on")
    e.add_argument("--iommu", choices=sorted(VIOMMUS), default="intel",
                   help="the vIOMMU: intel (default), amd, virtio or none (LAB_IOMMU)")
    e.add_argument("--smp", type=int, default=1)
    e.add_argument("--icount", dest="icount", action="store_true", default=None)
    e.add_argument("--no-icount", dest="icount", action="store_false")
    e.add_argument("--icount-shift", default=os.environ.get("LAB_ICOUNT_SHIFT", "0"),
                   help="-icount shift: N (each guest instruction takes 2^N ns of virtual "
                        "time: emulated timings independent of host load) or auto")
    e.add_argument("--mem", type=int, default=2048, help="guest RAM in MiB, split over 2 NUMA nodes")
    e.add_argument("--hugepages", type=int, default=0, help="2M hugepages reserved at boot")
    e.add_argument("--hugepages-1g", type=int, default=0,
                   help="1G hugepages reserved at boot (needs --mem > N GiB)")
    e.add_argument("--nvme", type=nvme_size, default=0, metavar="SIZE",
                   help="add a QEMU nvme device on a scratch image of SIZE (e.g. 64M, 1G)")
    e.add_argument("--edu-dma-mask", type=dma_mask, default="", help="edu dma_mask property, e.g. 0xffffffffffff")
    e.add_argument("--module-params", default="", help="insmod parameters for iommubench.ko")
    e.add_argument("--append", default="", help="extra guest kernel cmdline")
    e.add_argument("--timeout", type=int, default=900, help="wall-clock limit in seconds")
    e.add_argument("--no-module", action="store_true")
    e.add_argument("--panic-on-oops", action="store_true")
    e.add_argument("--rebuild", action="store_true", help="repack the initramfs first")
    e.add_argument("--quiet", action="store_true")
    e.add_argument("--add", action="append", default=[], metavar="SRC[:DEST]",
                   help=f"carry a host file or directory into the guest at {EXTRA_DIR}/DEST "
                        "(default DEST: SRC's name); repeatable")
    e.add_argument("--no-trace", dest="trace", action="store_false",
                   help="no QEMU trace (no qemu-trace.log, no lab: counters)")
    e.add_argument("--mpi", action="store_true",
                   help="carry Open MPI (mpirun, libmpi, the harness's MPI shim) into the guest")
    e.add_argument("--ranks", type=int, default=1,
                   help="run the guest command's iommubench as N MPI ranks (implies --mpi)")
    e.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.verb == "build":
        build(args)
        return 0
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if args.icount is None:
        args.icount = args.smp == 1
    if args.smp < 1 or args.smp > 8:
        die(1, f"--smp={args.smp}: expected 1..8")
    if args.ranks < 1 or args.ranks > 8:
        die(1, f"--ranks={args.ranks}: expected 1..8")
    if not (args.icount_shift == "auto" or (args.icount_shift.isdigit() and int(args.icount_shift) <= 10)):
        die(1, f"--icount-shift={args.icount_shift}: expected auto or 0..10")
    if args.mem < 512 or args.mem > 16384:
        die(1, f"--mem={args.mem}: expected 512..16384 (MiB)")
    if args.hugepages_1g < 0 or args.hugepages_1g * 1024 + 512 > args.mem:
        die(1, f"--hugepages-1g={args.hugepages_1g}: expected 0..{(args.mem - 512) // 1024} with --mem={args.mem}")
    if args.mode == "off" and VIOMMUS[args.iommu]["off"] is None:
        die(1, f"--mode=off: not available with --iommu {args.iommu} (the guest cannot "
               "switch it off; use --iommu none)")
    args.adds = parse_adds(args.add)
    if not shutil.which("qemu-system-x86_64"):
        die(3, "qemu-system-x86_64 not installed (run make deps)")
    return exec_cmd(args)


if __name__ == "__main__":
    sys.exit(main())
