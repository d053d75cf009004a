"""--mpi: Open MPI in the guest (issue 14), as a second cpio appended to the
initramfs (like --add), packed once into build/lab/mpi-overlay.gz; and
--ranks N: the guest command's `iommubench` run as N MPI ranks."""

import os
import re
import shutil
import tempfile

from .base import BUILD, LABDIR, die, shown
from .initramfs import pack_cpio, shared_libs

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


