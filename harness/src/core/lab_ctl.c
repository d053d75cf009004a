// SPDX-License-Identifier: GPL-2.0
/*
 * Lab control (ib_lab_ctl.h): the BEGIN/END virtio-serial handshake,
 * moved out of run.c unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_lab_ctl.h"
#include "ib_plan.h"

static int lab_fd = -1;
/* The lab runner's CLOCK_MONOTONIC (ns) in its ACKs; 0 until the first. */
static uint64_t lab_host_t0, lab_host_now;

int ib_lab_open(const char *path)
{
	lab_fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return lab_fd < 0 ? -1 : 0;
}

void ib_lab_close(void)
{
	if (lab_fd >= 0)
		close(lab_fd);
	lab_fd = -1;
}

bool ib_lab_active(void)
{
	return lab_fd >= 0;
}

bool ib_lab_host_elapsed(uint64_t *ns)
{
	if (lab_fd < 0 || !lab_host_t0 || lab_host_now <= lab_host_t0)
		return false;
	*ns = lab_host_now - lab_host_t0;
	return true;
}

int ib_lab_mark(const char *kind, const char *name)
{
	char line[IB_NAME_LEN + 16], c, ack[64];
	size_t n = 0;
	int len;

	if (lab_fd < 0)
		return 0;
	len = snprintf(line, sizeof(line), "%s %s\n", kind, name);
	if (write(lab_fd, line, (size_t)len) != len)
		return -1;
	for (;;) {
		ssize_t r = read(lab_fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\r')
			continue;
		if (c == '\n') {
			ack[n] = '\0';
			if (!strncmp(ack, "ACK", 3) && (!ack[3] || ack[3] == ' ')) {
				lab_host_now = strtoull(ack + 3, NULL, 10);
				if (!lab_host_t0)
					lab_host_t0 = lab_host_now;
				return 0;
			}
			n = 0;
			continue;
		}
		if (n < sizeof(ack) - 1)
			ack[n++] = c;
	}
}
