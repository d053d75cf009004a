"""Where the lab lives (the checkout, build/, build/lab), how it fails (one
line, an exit code) and the lock two labs packing one initramfs share."""

import fcntl
import os
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.path.abspath(os.environ.get("IOMMUBENCH_BUILD", os.path.join(TOP, "build")))
# build/lab: the Open MPI overlay (kernel-independent); build/lab/<release>:
# the initramfs packed for that kernel, so labs of two kernels can run at once
# (make test runs 6.1 and 6.12 side by side).
LABDIR = os.path.join(BUILD, "lab")
PROG = "lab"


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


def shown(path):
    """A path as the user would type it: relative to the checkout when inside it."""
    rel = os.path.relpath(path, TOP)
    return path if rel.startswith("..") else rel


def die(code, msg):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(code)
