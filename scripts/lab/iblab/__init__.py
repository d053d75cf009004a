"""iblab: the QEMU lab behind scripts/lab/lab.py (docs/lab.md).

base       the checkout's paths, the one-line failure, the packing lock
kernel     the lab kernel's tree and the guest modules taken from it
viommu     the vIOMMU table (--iommu): QEMU device, guest cmdline, trace events
initramfs  the initramfs (with guest/init as /init) and the --add overlay
mpi        the Open MPI overlay (--mpi, --ranks)
marks      MarkServer: the guest's BEGIN/END marks -> trace-log offsets
qemu       the QEMU command line
execs      lab.py exec: one boot, its console, its exit code
cli        the command line (lab.py build | exec)
"""
