/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lab control: the BEGIN/END handshake with the lab runner over a
 * virtio-serial port (--lab-ctl), so the host marks each point's window in
 * the QEMU trace (docs/lab.md).  Without --lab-ctl every call is a no-op.
 */
#ifndef IB_LAB_CTL_H
#define IB_LAB_CTL_H

#include <stdbool.h>
#include <stdint.h>

/* Opens the port: 0, or -1 with errno. */
int ib_lab_open(const char *path);
void ib_lab_close(void);
bool ib_lab_active(void);

/* Writes "KIND NAME\n" and waits for "ACK [host_ns]": 0, or -1 when the
 * port fails.  0 at once without a port. */
int ib_lab_mark(const char *kind, const char *name);

/* Host wall-clock ns between the first and the latest ACK: the guest's
 * own clock is virtual under icount (it jumps over idle time), so ETAs in
 * the lab use the host's.  false until two ACKs have come. */
bool ib_lab_host_elapsed(uint64_t *ns);

/*
 * A finished row's lab counters, while the run goes on: writes
 * "COUNT NAME\n" and waits for "COUNTS <json object>" (the lab runner
 * counts the row's marked intervals of the QEMU trace as lab-merge would:
 * `iommubench lab-count`).  The counters object (the caller's), or NULL
 * without a port, or when the runner could not count.
 */
struct json_t *ib_lab_counters(const char *name);

#endif
