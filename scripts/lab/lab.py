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

import os
import sys

# the package beside this file (scripts/lab/iblab), also when this file is
# loaded by path (the tests' importlib.util.spec_from_file_location)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from iblab.cli import main  # noqa: E402
from iblab.qemu import qemu_cmdline, qopt  # noqa: E402

# what the tests call through this file (lab.qemu_cmdline, lab.qopt)
__all__ = ["main", "qemu_cmdline", "qopt"]

if __name__ == "__main__":
    sys.exit(main(__doc__))
