"""The initramfs: busybox, the guest's /init (scripts/lab/guest/init), the
guest modules, the harness with its shared libraries, the iommubench module,
the suites, plots and guest-side tests, packed as a gzip'd newc cpio into
build/lab/<release>/initrd.gz; and the per-exec overlays appended to it
(--add; the kernel unpacks concatenated archives in order)."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from .base import BUILD, PROG, TOP, Lock, die, shown
from .kernel import (GUEST_MODULES, KO_SUFFIX, kdir, lab_kver, module_closure, module_ko,
                     optional_modules)
from .viommu import VIOMMU_MODULES

# The guest's /init, copied into the initramfs as is (busybox sh)
GUEST_INIT = os.path.join(TOP, "scripts", "lab", "guest", "init")


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


def copy_guest_modules(root, kver):
    """The lab kernel's modules the guest loads, into root's /opt/lab, with
    /opt/lab/modules.list (the order /init insmods them in)."""
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


def build(args, kver=None):
    """lab.py build: packs build/lab/<kver>/initrd.gz (kver: the lab kernel)."""
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
        # its bytes as they are; the mode here (tracked 0644: never run on the host)
        shutil.copyfile(GUEST_INIT, os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        copy_guest_modules(root, kver)
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


def append_initrd(initrd, extra, workdir):
    """initrd followed by another gzip'd cpio (the kernel unpacks both)."""
    out = os.path.join(workdir, "initrd-mpi.gz")
    with open(out, "wb") as f:
        for p in (initrd, extra):
            with open(p, "rb") as b:
                shutil.copyfileobj(b, f)
    return out


