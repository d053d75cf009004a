// SPDX-License-Identifier: GPL-2.0
/*
 * What the ledger's records may name, and how a state-file line becomes a
 * record (machine_state.c loads the file).
 *
 * The file is input like any other: every field is checked (docs/
 * reliability.md, "The ledger names only what the harness writes").  A
 * record that fails is refused with one line, kept verbatim in the file and
 * never acted on.  Paths are checked twice: their form when the record is
 * read, and their resolved target (realpath, then O_NOFOLLOW) before any
 * write.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ib_fileio.h"
#include "ib_machine_state.h"
#include "machine_state_int.h"

/* ---- what records may name ---- */

bool ib_state_bdf_ok(const char *s)
{
	static const char form[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (i = 0; form[i]; i++)
		if (form[i] == 'x' ? !isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')
				   : s[i] != form[i])
			return false;
	return s[11] >= '0' && s[11] <= '7';
}

/* ASCII only, no locale: the signal path checks driver names too. */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '+' || c == '-';
}

bool ib_state_driver_ok(const char *s)
{
	size_t i;

	if (!s[0] || s[0] == '.')
		return false;
	for (i = 0; s[i]; i++)
		if (i >= 63 || !name_char(s[i]))
			return false;
	return true;
}

bool ib_state_type_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= 31 || !(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
			return false;
	return i > 0;
}

/*
 * s against pat: '#' one or more digits, '*' one or more name characters
 * (no '/'), '@' a PCI address; anything else literal.
 */
static bool match(const char *s, const char *pat)
{
	while (*pat) {
		if (*pat == '#' || *pat == '*') {
			const char *st = s;

			while (*pat == '#' ? isdigit((unsigned char)*s) : name_char(*s))
				s++;
			if (s == st)
				return false;
			pat++;
		} else if (*pat == '@') {
			char bdf[13];

			snprintf(bdf, sizeof(bdf), "%.12s", s);
			if (!ib_state_bdf_ok(bdf))
				return false;
			s += 12;
			pat++;
		} else if (*s++ != *pat++) {
			return false;
		}
	}
	return !*s;
}

static const char *const pool_forms[] = {
	"/sys/kernel/mm/hugepages/hugepages-#kB/nr_hugepages",
	"/sys/devices/system/node/node#/hugepages/hugepages-#kB/nr_hugepages",
};
#define POOL_FORMS_TEXT "<root>/sys/kernel/mm/hugepages/hugepages-<N>kB/nr_hugepages or <root>/sys/devices/system/node/node<N>/hugepages/hugepages-<N>kB/nr_hugepages"

bool ib_state_pool_path_ok(const char *path)
{
	size_t n = strlen(ib_sysfs_root);

	if (strncmp(path, ib_sysfs_root, n))
		return false;
	return match(path + n, pool_forms[0]) || match(path + n, pool_forms[1]);
}

/* The resolved sysfs root: "" for /. */
static int real_root(char *buf, size_t len)
{
	char tmp[PATH_MAX];

	if (!realpath(ib_sysfs_root[0] ? ib_sysfs_root : "/", tmp))
		return -1;
	snprintf(buf, len, "%s", strcmp(tmp, "/") ? tmp : "");
	return 0;
}

static bool kind_ok(const char *rel, enum ib_sysfs_kind kind, const char *bdf)
{
	static const char ovr[] = "/driver_override";
	size_t n = strlen(rel), m = sizeof(ovr) - 1;

	switch (kind) {
	case IB_SYSFS_POOL:
		return match(rel, pool_forms[0]) || match(rel, pool_forms[1]);
	case IB_SYSFS_TYPE:
		return match(rel, "/sys/kernel/iommu_groups/#/type");
	case IB_SYSFS_OVERRIDE:
		/* /sys/bus/pci/devices/<bdf> is a link into /sys/devices/pci... */
		if (n < m + 13 || strcmp(rel + n - m, ovr) || rel[n - m - 13] != '/' ||
		    (bdf && strncmp(rel + n - m - 12, bdf, 12)))
			return false;
		{
			char dev[13];

			snprintf(dev, sizeof(dev), "%.12s", rel + n - m - 12);
			if (!ib_state_bdf_ok(dev))
				return false;
		}
		return !strncmp(rel, "/sys/devices/pci", 16) ||
		       (n == m + 33 && !strncmp(rel, "/sys/bus/pci/devices/", 21));
	case IB_SYSFS_PCI:
		return match(rel, "/sys/bus/pci/drivers/*/bind") ||
		       match(rel, "/sys/bus/pci/drivers/*/unbind") ||
		       !strcmp(rel, "/sys/bus/pci/drivers_probe");
	}
	return false;
}

static const char *kind_text(enum ib_sysfs_kind kind)
{
	switch (kind) {
	case IB_SYSFS_POOL:
		return POOL_FORMS_TEXT;
	case IB_SYSFS_TYPE:
		return "<root>/sys/kernel/iommu_groups/<N>/type";
	case IB_SYSFS_OVERRIDE:
		return "a PCI device's driver_override under <root>/sys/devices/pci* or <root>/sys/bus/pci/devices";
	case IB_SYSFS_PCI:
		return "<root>/sys/bus/pci/drivers/<driver>/bind or unbind, or <root>/sys/bus/pci/drivers_probe";
	}
	return "";
}

int ib_sysfs_check(const char *path, enum ib_sysfs_kind kind, const char *bdf,
		   char *res, size_t reslen, char *why, size_t whylen)
{
	char root[PATH_MAX], real[PATH_MAX];
	size_t n;

	if (real_root(root, sizeof(root))) {
		snprintf(why, whylen, "sysfs root %s: %s", ib_sysfs_root, strerror(errno));
		return -1;
	}
	if (!realpath(path, real)) {
		if (errno == ENOENT)
			return 1;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = strlen(root);
	if (strncmp(real, root, n) || real[n] != '/' || !kind_ok(real + n, kind, bdf) ||
	    strlen(real) >= reslen) {
		snprintf(why, whylen, "%s resolves to %s, which is not %s (root %s)", path, real,
			 kind_text(kind), root[0] ? root : "/");
		return -1;
	}
	/* pool files are plain files in plain directories: no link at all */
	if (kind == IB_SYSFS_POOL && strcmp(real + n, path + strlen(ib_sysfs_root))) {
		snprintf(why, whylen, "%s resolves to %s through a link; pools are named without links",
			 path, real);
		return -1;
	}
	snprintf(res, reslen, "%s", real);
	return 0;
}

int ib_sysfs_write(const char *path, enum ib_sysfs_kind kind, const char *bdf,
		   const char *s, char *why, size_t whylen)
{
	char real[PATH_MAX];
	int rc = ib_sysfs_check(path, kind, bdf, real, sizeof(real), why, whylen);

	if (rc)
		return rc;
	if (ib_sigsafe_write(real, s, strlen(s))) {
		snprintf(why, whylen, "%s: %s", real, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- a line of the state file ---- */

/* A decimal in [min, max]: digits only (a '-' where min < 0), no spaces. */
static int num(const char *s, long long min, long long max, long long *v)
{
	char *end;
	long long x;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && min < 0 && isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

static int proc_field(const char *pid, const char *start, struct ib_state_proc *p,
		      char *why, size_t whylen)
{
	long long v;
	char *end;

	if (num(pid, 2, IB_STATE_MAX_PID, &v)) {
		snprintf(why, whylen,
			 "pid %s: allowed 2..%d (pid 1 is init, which never dies: its record would be kept forever)",
			 pid, IB_STATE_MAX_PID);
		return -1;
	}
	p->pid = (int)v;
	errno = 0;
	p->start = strtoull(start, &end, 10);
	if (!isdigit((unsigned char)start[0]) || errno || *end) {
		snprintf(why, whylen, "start time %s: allowed a decimal 0..%llu", start, ULLONG_MAX);
		return -1;
	}
	return 0;
}

/* An absolute path of printable characters, no "." or ".." component. */
bool ib_state_abs_path_ok(const char *s, size_t max)
{
	size_t i;

	if (s[0] != '/' || strlen(s) >= max || strstr(s, "/./") || strstr(s, "/../"))
		return false;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	i = strlen(s);
	return !(i >= 2 && !strcmp(s + i - 2, "/.")) && !(i >= 3 && !strcmp(s + i - 3, "/.."));
}

/* One record into st; -1 with why (naming the field and what is allowed). */
int ib_state_parse_line(struct ib_state *st, char *line, char *why, size_t whylen)
{
	char *f[10], *save = NULL, *tok;
	long long v;
	int n = 0, i;

	for (tok = strtok_r(line, "\t\n", &save); tok && n < 10;
	     tok = strtok_r(NULL, "\t\n", &save))
		f[n++] = tok;
	if (!n)
		return 0;
	if (!strcmp(f[0], "pool") && n == 3) {
		if (!ib_state_pool_path_ok(f[1]) || strlen(f[1]) >= sizeof(st->pool[0].path)) {
			snprintf(why, whylen, "pool path %s: allowed %s, with root '%s'", f[1],
				 POOL_FORMS_TEXT, ib_sysfs_root);
			return -1;
		}
		if (num(f[2], 0, IB_STATE_MAX_PAGES, &v)) {
			snprintf(why, whylen, "pool %s original count %s: allowed 0..%lld", f[1], f[2],
				 IB_STATE_MAX_PAGES);
			return -1;
		}
		if (ib_state_pool_find(st, f[1], false, 0)) {
			snprintf(why, whylen, "pool %s: recorded twice", f[1]);
			return -1;
		}
		if (!ib_state_pool_find(st, f[1], true, v)) {
			snprintf(why, whylen, "pool %s: more than %d pools", f[1], IB_STATE_MAX_POOLS);
			return -1;
		}
		return 0;
	}
	if (!strcmp(f[0], "hold") && n == 5) {
		struct ib_state_pool *p = ib_state_pool_find(st, f[1], false, 0);
		struct ib_state_holder h;

		if (!p) {
			snprintf(why, whylen, "hold %s: no accepted pool record for it before this line",
				 f[1]);
			return -1;
		}
		if (proc_field(f[2], f[3], &h.proc, why, whylen))
			return -1;
		if (num(f[4], 0, IB_STATE_MAX_PAGES, &h.added)) {
			snprintf(why, whylen, "hold %s pages %s: allowed 0..%lld", f[1], f[4],
				 IB_STATE_MAX_PAGES);
			return -1;
		}
		for (i = 0; i < p->nholders; i++)
			if (same_proc(&p->h[i].proc, &h.proc)) {
				snprintf(why, whylen, "hold %s pid %d: recorded twice", f[1], h.proc.pid);
				return -1;
			}
		if (p->nholders >= IB_STATE_MAX_HOLDERS) {
			snprintf(why, whylen, "hold %s: more than %d holders", f[1], IB_STATE_MAX_HOLDERS);
			return -1;
		}
		p->h[p->nholders++] = h;
		return 0;
	}
	if (!strcmp(f[0], "group") && n == 9) {
		struct ib_state_group g;

		memset(&g, 0, sizeof(g));
		unfield(g.root, sizeof(g.root), f[1]);
		if (strcmp(g.root, ib_sysfs_root)) {
			snprintf(why, whylen, "group root %s: allowed only '%s' (this process's sysfs root)",
				 f[1], field(ib_sysfs_root));
			return -1;
		}
		if (!ib_state_bdf_ok(f[2])) {
			snprintf(why, whylen, "group device %s: allowed a PCI address dddd:bb:dd.f", f[2]);
			return -1;
		}
		snprintf(g.bdf, sizeof(g.bdf), "%s", f[2]);
		if (num(f[3], -1, INT_MAX, &v)) {
			snprintf(why, whylen, "group number %s: allowed -1..%d", f[3], INT_MAX);
			return -1;
		}
		g.group = (int)v;
		if (proc_field(f[4], f[5], &g.proc, why, whylen))
			return -1;
		if (!ib_state_type_ok(f[6])) {
			snprintf(why, whylen, "group type %s: allowed 1..31 of [A-Za-z0-9_-]", f[6]);
			return -1;
		}
		snprintf(g.orig_type, sizeof(g.orig_type), "%s", f[6]);
		for (i = 7; i <= 8; i++)
			if (strcmp(f[i], "-") && !ib_state_driver_ok(f[i])) {
				snprintf(why, whylen,
					 "group %s %s: allowed '-' or a driver name (1..63 of [A-Za-z0-9_.+-], not starting with '.')",
					 i == 7 ? "driver_override" : "driver", f[i]);
				return -1;
			}
		unfield(g.orig_override, sizeof(g.orig_override), f[7]);
		unfield(g.driver, sizeof(g.driver), f[8]);
		for (i = 0; i < st->ngroups; i++)
			if (!strcmp(st->group[i].bdf, g.bdf)) {
				snprintf(why, whylen, "group device %s: recorded twice", g.bdf);
				return -1;
			}
		if (st->ngroups >= IB_STATE_MAX_GROUPS) {
			snprintf(why, whylen, "group %s: more than %d groups", g.bdf, IB_STATE_MAX_GROUPS);
			return -1;
		}
		st->group[st->ngroups++] = g;
		return 0;
	}
	if (!strcmp(f[0], "trace") && n == 4) {
		struct ib_state_trace t;

		memset(&t, 0, sizeof(t));
		if (!ib_state_abs_path_ok(f[1], sizeof(t.root))) {
			snprintf(why, whylen,
				 "trace root %s: allowed an absolute path (no . or .., no control characters) of a tracefs mount",
				 f[1]);
			return -1;
		}
		snprintf(t.root, sizeof(t.root), "%s", f[1]);
		if (proc_field(f[2], f[3], &t.proc, why, whylen))
			return -1;
		for (i = 0; i < st->ntraces; i++)
			if (!strcmp(st->trace[i].root, t.root) && st->trace[i].proc.pid == t.proc.pid) {
				snprintf(why, whylen, "trace %s pid %d: recorded twice", t.root, t.proc.pid);
				return -1;
			}
		if (st->ntraces >= IB_STATE_MAX_TRACES) {
			snprintf(why, whylen, "trace %s: more than %d instances", t.root,
				 IB_STATE_MAX_TRACES);
			return -1;
		}
		st->trace[st->ntraces++] = t;
		return 0;
	}
	snprintf(why, whylen,
		 "record '%s' with %d fields: allowed pool (3), hold (5), group (9) or trace (4)",
		 f[0], n);
	return -1;
}
