"""The command line of lab.py: build | exec, every option checked (bad input:
one line naming the option, exit 1)."""

import argparse
import os
import re
import shutil

from .base import die
from .execs import exec_cmd
from .initramfs import EXTRA_DIR, build, parse_adds
from .viommu import VIOMMUS


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


def main(description=None):
    """lab.py's main: description is lab.py's docstring (its --help)."""
    ap = Parser(prog="lab.py", description=description,
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
    e.add_argument("--nics", type=int, choices=[0, 2], default=0,
                   help="2: two virtio-net ports behind the vIOMMU, joined to each other on a "
                        "QEMU hub (no host network), for the net engine")
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
