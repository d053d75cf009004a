"""MarkServer: per-point counter attribution (docs/lab.md).  The guest
harness writes "BEGIN <row>" / "END <row>" lines to a virtio-serial port and
blocks until we answer "ACK <host CLOCK_MONOTONIC ns>".  At each mark we
record the byte size of QEMU's trace log (the log backend flushes every
event) in marks.tsv, so events between two marks belong to that point.

"COUNT <row>" (after the row's END) asks for that row's counts while the run
goes on (the reach refinement): we run `iommubench lab-count RUNDIR ROW`,
argv only, and answer "COUNTS <json object>" ("COUNTS {}" when it fails).
The host time of each mark also gives the wall per job (lab-run.txt)."""

import os
import socket
import subprocess
import threading
import time

from .base import BUILD

COUNT_TIMEOUT_S = 120


class MarkServer(threading.Thread):
    """Answers the guest's BEGIN/END marks and records trace-log offsets."""

    def __init__(self, sock_path, trace_path, marks_path):
        super().__init__(daemon=True)
        self.sock_path, self.trace_path, self.marks_path = sock_path, trace_path, marks_path
        self.stop = False
        self.count = 0
        self.begun = {}  # row -> host time of its BEGIN
        self.job_wall = {}  # job (the row name up to its first '/') -> s
        self.job_setup = {}  # job -> s between the previous END and its BEGINs
        self.last_end = None
        self.rows = {}  # row -> [set-up s, marked s], in mark order

    def counts(self, name):
        """The row's counters as one JSON line, from lab-count."""
        try:
            r = subprocess.run([os.path.join(BUILD, "iommubench"), "lab-count",
                                os.path.dirname(os.path.abspath(self.marks_path)), name],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=COUNT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return "{}"
        out = r.stdout.decode(errors="replace").strip()
        return out if r.returncode == 0 and out.startswith("{") and "\n" not in out else "{}"

    def note_wall(self, kind, name):
        now = time.monotonic()
        job = name.split("/", 1)[0]
        row = self.rows.setdefault(name, [0.0, 0.0])
        if kind == "BEGIN":
            self.begun[name] = now
            # from the previous END (or the first mark) to this BEGIN: the
            # guest's set-up of the point (buffer, IOMMU mode, engine)
            if self.last_end is not None:
                self.job_setup[job] = self.job_setup.get(job, 0.0) + now - self.last_end
                row[0] += now - self.last_end
        elif name in self.begun:
            self.job_wall[job] = self.job_wall.get(job, 0.0) + now - self.begun[name]
            row[1] += now - self.begun.pop(name)
            self.last_end = now

    def write_times(self, path):
        """lab-times.tsv: per row, the host seconds of its set-up (from the
        previous point's END) and of its marked passes."""
        with open(path, "w") as f:
            f.write("row\tsetup_s\tmarked_s\n")
            for name, (setup, marked) in self.rows.items():
                f.write(f"{name}\t{setup:.2f}\t{marked:.2f}\n")

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
                    if kind == "COUNT" and name:
                        s.sendall(f"COUNTS {self.counts(name)}\n".encode())
                        continue
                    if kind not in ("BEGIN", "END"):
                        continue
                    self.note_wall(kind, name)
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


