"""lab.py exec: one boot of the lab.  Packs the initramfs when missing,
appends the overlays, writes the guest command, runs QEMU under a wall-clock
limit, follows the console for /init's IB-LAB-* marks, answers the guest's
BEGIN/END marks (MarkServer) and turns what happened into an exit code."""

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types

from .base import PROG, die, shown
from .initramfs import EXTRA_DIR, append_initrd, build, overlay_initrd
from .kernel import kdir, lab_kver
from .marks import MarkServer
from .mpi import MPI_PRELUDE, mpi_overlay
from .qemu import qemu_cmdline
from .viommu import PXB_EDU_WHY, VIOMMUS, viommu_missing


def exec_cmd(args):
    """Boots the lab, runs args.command in the guest, returns its exit code
    (or exits 2 with one line: timeout, boot failure, guest failure)."""
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
    write_ctl(args, ctl_dir)
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
    state = {"timed_out": False}

    def on_timeout():
        state["timed_out"] = True
        kill_qemu()

    timer = threading.Timer(args.timeout, on_timeout)
    timer.daemon = True
    timer.start()
    seen = follow_console(qemu.stdout, console, t0, args.quiet)
    qemu.wait()
    timer.cancel()
    marker.stop = True
    wall = time.monotonic() - t0
    timed_out = state["timed_out"]
    shutil.rmtree(ctl_dir, ignore_errors=True)
    shutil.rmtree(sock_dir, ignore_errors=True)
    # caching mode is a VT-d property (AMD-Vi's NpCache is always set by QEMU)
    cm = args.caching_mode if args.iommu == "intel" else f"n/a ({args.iommu})"
    if marker.rows:
        marker.write_times(os.path.join(log_dir, "lab-times.tsv"))
    write_lab_run(os.path.join(log_dir, "lab-run.txt"), args, kver, cm, seen, wall, marker.count,
                  (marker.job_wall, marker.job_setup))
    ready_at = seen.ready_at
    if not args.quiet:
        print(f"{PROG}: qemu-lab ({args.iommu}, {args.mode}, caching-mode {cm}, smp {args.smp}): "
              f"boot {ready_at or 0:.1f}s, wall {wall:.1f}s, console log {shown(console)}",
              file=sys.stderr)
    if timed_out:
        die(2, f"timeout: the lab run exceeded {args.timeout}s (console log: {console})")
    if seen.fail:
        die(2, f"{seen.fail} (console log: {console})")
    if ready_at is None:
        die(2, f"boot failed: the guest never became ready; last console line: {seen.last[:200]!r} "
               f"(console log: {console})")
    if seen.guest_rc is None:
        die(2, f"the guest stopped before the command finished; last console line: {seen.last[:200]!r}")
    return seen.guest_rc


def write_ctl(args, ctl_dir):
    """The control share (/lab in the guest): the command /init runs, and
    whether and how it loads the module."""
    with open(os.path.join(ctl_dir, "cmd.sh"), "w") as f:
        f.write("#!/bin/sh\n" + (MPI_PRELUDE.format(n=args.ranks) if args.ranks > 1 else "")
                + " ".join(args.command) + "\n")
    if args.no_module:
        open(os.path.join(ctl_dir, "no-module"), "w").close()
    if args.module_params:
        with open(os.path.join(ctl_dir, "module-params"), "w") as f:
            f.write(args.module_params + "\n")


def follow_console(stream, console, t0, quiet):
    """Copies QEMU's console to console (the file) until it closes; the
    guest command's output is shown unless quiet.  Returns what /init said:
    ready_at (s since t0, or None), guest_rc (IB-LAB-EXIT), fail
    (IB-LAB-FAIL) and the last non-empty line."""
    seen = types.SimpleNamespace(ready_at=None, guest_rc=None, fail=None, last="")
    with open(console, "wb") as con:
        for raw in stream:
            con.write(raw)
            con.flush()
            line = raw.decode(errors="replace").rstrip("\r\n")
            line = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|.)", "", line)
            if line.strip():
                seen.last = line.strip()
            if re.search(r"IB-LAB-READY\s*$", line):
                seen.ready_at = time.monotonic() - t0
                continue
            m = re.match(r"IB-LAB-EXIT (\d+)", line)
            if m:
                seen.guest_rc = int(m.group(1))
                continue
            m = re.match(r"IB-LAB-FAIL (.*)", line)
            if m:
                seen.fail = m.group(1)
                continue
            if seen.ready_at is not None and seen.guest_rc is None and not quiet:
                print(line, flush=True)
    return seen


def write_lab_run(path, args, kver, cm, seen, wall, marks, job_wall):
    """lab-run.txt: how the lab was set up and what the boot did."""
    ready_at, guest_rc, adds = seen.ready_at, seen.guest_rc, args.adds
    with open(path, "w") as f:
        f.write(f"kernel={kver}\niommu={args.iommu}\n"
                + (f"pxb_edu={PXB_EDU_WHY[args.iommu]}\n" if not VIOMMUS[args.iommu]["pxb_edu"] else "")
                + f"mode={args.mode}\ncaching_mode={cm}\n"
                f"smp={args.smp}\nicount={('shift=' + args.icount_shift) if args.icount else 'off'}\nmem_mb={args.mem}\n"
                f"trace={'on' if args.trace else 'off (--no-trace)'}\n"
                f"extra={' '.join(EXTRA_DIR + '/' + d for _, d in adds) or 'none'}\n"
                f"mpi={'on' if args.mpi else 'off'}\nranks={args.ranks}\n"
                f"boot_s={ready_at if ready_at is not None else 'n/a'}\nwall_s={wall:.1f}\n"
                f"marks={marks}\nguest_rc={guest_rc}\n"
                # host wall inside each job's marked points, and between one
                # point's END and the next one's BEGIN (its set-up)
                + "".join(f"wall_job.{j}={w:.1f}\n" for j, w in job_wall[0].items())
                + "".join(f"setup_job.{j}={w:.1f}\n" for j, w in job_wall[1].items()))


