"""MarkServer: per-point counter attribution (docs/lab.md).  The guest
harness writes "BEGIN <row>" / "END <row>" lines to a virtio-serial port and
blocks until we answer "ACK <host CLOCK_MONOTONIC ns>".  At each mark we
record the byte size of QEMU's trace log (the log backend flushes every
event) in marks.tsv, so events between two marks belong to that point."""

import os
import socket
import threading
import time


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


