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

#include <jansson.h>

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

/* One reply line, without its end, into buf (longer ones are cut): 0, or
 * -1 when the port fails. */
static int reply_line(char *buf, size_t len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(lab_fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\r')
			continue;
		if (c == '\n') {
			buf[n] = '\0';
			return 0;
		}
		if (n < len - 1)
			buf[n++] = c;
	}
}

static int send_line(const char *kind, const char *name)
{
	char line[IB_NAME_LEN + 16];
	int len = snprintf(line, sizeof(line), "%s %s\n", kind, name);

	return write(lab_fd, line, (size_t)len) == len ? 0 : -1;
}

int ib_lab_mark(const char *kind, const char *name)
{
	char ack[64];

	if (lab_fd < 0)
		return 0;
	if (send_line(kind, name))
		return -1;
	for (;;) {
		if (reply_line(ack, sizeof(ack)))
			return -1;
		if (!strncmp(ack, "ACK", 3) && (!ack[3] || ack[3] == ' ')) {
			lab_host_now = strtoull(ack + 3, NULL, 10);
			if (!lab_host_t0)
				lab_host_t0 = lab_host_now;
			return 0;
		}
	}
}

json_t *ib_lab_counters(const char *name)
{
	static char reply[65536];
	json_t *c;

	if (lab_fd < 0 || send_line("COUNT", name))
		return NULL;
	for (;;) {
		if (reply_line(reply, sizeof(reply)))
			return NULL;
		if (!strncmp(reply, "COUNTS ", 7))
			break;
	}
	c = json_loads(reply + 7, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(c) || !json_object_size(c)) {
		json_decref(c);
		return NULL;
	}
	return c;
}
