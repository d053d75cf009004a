// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU mode control through sysfs.  A group's default-domain type can only
 * change while no driver is bound, so: unbind, write the type, bind to
 * iommubench via driver_override.  The original type, driver and override
 * are saved first, in memory and in the state ledger (machine_state.c), and
 * put back by ib_iommu_mode_restore_all() at exit.  main.c's signal handler
 * calls ib_iommu_mode_restore_signal(), which only uses open/read/write/
 * close on strings prepared in advance.  A run killed before either is
 * undone from the ledger by the next run or `iommubench restore`; a group
 * held by a live run is refused to the others.
 *
 * Every file written is one of the kinds ib_sysfs_check() allows (the
 * group's type, the device's driver_override, bind/unbind/drivers_probe
 * under /sys/bus/pci), resolved when the group is saved (or, for a ledger
 * record, before it is restored) and opened with O_NOFOLLOW.  The driver to
 * unbind from is read from the device's driver link at that moment and only
 * its name is used, under <root>/sys/bus/pci/drivers/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_fileio.h"
#include "ib_exit.h"
#include "ib_iommu_mode.h"
#include "ib_machine_state.h"

#define PCI "/sys/bus/pci"
#define MAX_SAVED 16

struct saved_group {
	char root[128];
	char realroot[256];	/* root resolved, "" for / */
	char bdf[16];
	int group;
	char driver_link[512];	/* the device's driver link (who is bound now) */
	char type_path[512];	/* resolved by group_resolve() */
	char orig_type[32];
	char override_path[512]; /* resolved */
	char orig_override[64];
	char driver[128];
	char bind_path[512]; /* resolved; "" = was unbound */
	volatile sig_atomic_t restored; /* put back (by the handler, say) */
	bool recorded;			/* we hold its record in the ledger */
};

static struct saved_group saved[MAX_SAVED];
static volatile sig_atomic_t nsaved;

static int wr(const char *path, const char *s)
{
	return ib_sigsafe_write(path, s, strlen(s));
}

/* The sysfs paths of a group's device under root (the ledger records the
 * root, so a fake tree's record is restored in the fake tree), lexical:
 * group_resolve() resolves and checks them. */
static void group_paths(struct saved_group *g, const char *root, const char *bdf,
			const char *driver)
{
	snprintf(g->root, sizeof(g->root), "%s", root);
	snprintf(g->bdf, sizeof(g->bdf), "%.15s", bdf);
	snprintf(g->driver_link, sizeof(g->driver_link), "%s" PCI "/devices/%s/driver", root,
		 g->bdf);
	snprintf(g->type_path, sizeof(g->type_path),
		 "%s" PCI "/devices/%s/iommu_group/type", root, g->bdf);
	snprintf(g->override_path, sizeof(g->override_path),
		 "%s" PCI "/devices/%s/driver_override", root, g->bdf);
	snprintf(g->driver, sizeof(g->driver), "%s", driver);
	g->bind_path[0] = '\0';
	if (driver[0])
		snprintf(g->bind_path, sizeof(g->bind_path),
			 "%s" PCI "/drivers/%s/bind", root, driver);
}

/* Resolves and checks the paths group_paths() made (a missing bind file:
 * nothing to rebind).  0, or -1 with why. */
static int group_resolve(struct saved_group *g, char *why, size_t whylen)
{
	char real[512], tmp[PATH_MAX];
	int rc;

	if (!realpath(g->root[0] ? g->root : "/", tmp) || strlen(tmp) >= sizeof(g->realroot)) {
		snprintf(why, whylen, "sysfs root %s: %s", g->root, strerror(errno));
		return -1;
	}
	snprintf(g->realroot, sizeof(g->realroot), "%s", strcmp(tmp, "/") ? tmp : "");
	rc = ib_sysfs_check(g->type_path, IB_SYSFS_TYPE, NULL, real, sizeof(real), why, whylen);
	if (rc > 0)
		snprintf(why, whylen, "%s: %s", g->type_path, strerror(ENOENT));
	if (rc)
		return -1;
	snprintf(g->type_path, sizeof(g->type_path), "%s", real);
	rc = ib_sysfs_check(g->override_path, IB_SYSFS_OVERRIDE, g->bdf, real, sizeof(real), why,
			    whylen);
	if (rc > 0)
		snprintf(why, whylen, "%s: %s", g->override_path, strerror(ENOENT));
	if (rc)
		return -1;
	snprintf(g->override_path, sizeof(g->override_path), "%s", real);
	if (g->bind_path[0]) {
		rc = ib_sysfs_check(g->bind_path, IB_SYSFS_PCI, NULL, real, sizeof(real), why,
				    whylen);
		if (rc < 0)
			return -1;
		snprintf(g->bind_path, sizeof(g->bind_path), "%s", rc ? "" : real);
	}
	return 0;
}

static size_t cat(char *dst, size_t len, size_t at, const char *s)
{
	while (*s && at + 1 < len)
		dst[at++] = *s++;
	dst[at] = '\0';
	return at;
}

/*
 * <realroot>/sys/bus/pci/drivers/<the driver bound now>/unbind, from the
 * name the driver link ends in (async-signal-safe: readlink and string
 * copies).  0, or -1 when nothing is bound or the name is not a driver's.
 */
static int unbind_path(const struct saved_group *g, char *buf, size_t len)
{
	char target[512];
	const char *name;
	ssize_t n = readlink(g->driver_link, target, sizeof(target) - 1);
	size_t at;

	if (n <= 0)
		return -1;
	target[n] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	if (!ib_state_driver_ok(name))
		return -1;
	at = cat(buf, len, 0, g->realroot);
	at = cat(buf, len, at, PCI "/drivers/");
	at = cat(buf, len, at, name);
	at = cat(buf, len, at, "/unbind");
	return at + 1 < len ? 0 : -1;
}

static int group_number(const char *root, const char *bdf)
{
	char link[512], target[512];
	ssize_t n;

	snprintf(link, sizeof(link), "%s" PCI "/devices/%s/iommu_group", root, bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	return atoi(basename(target));
}

const char *ib_iommu_type_to_mode(const char *type)
{
	if (!strcmp(type, "identity"))
		return "identity";
	if (!strcmp(type, "DMA"))
		return "dma-strict";
	if (!strcmp(type, "DMA-FQ"))
		return "dma-lazy";
	if (!strcmp(type, "none") || !type[0])
		return "off";
	return type;
}

static const char *mode_to_type(const char *mode)
{
	if (!strcmp(mode, "identity"))
		return "identity";
	if (!strcmp(mode, "dma-strict"))
		return "DMA";
	if (!strcmp(mode, "dma-lazy"))
		return "DMA-FQ";
	return NULL;
}

const char *ib_iommu_mode_read(const char *bdf, char *buf, size_t len)
{
	char path[512], type[64];

	snprintf(path, sizeof(path), "%s" PCI "/devices/%s/iommu_group/type",
		 ib_sysfs_root, bdf);
	if (ib_read_file(path, type, sizeof(type))) {
		snprintf(path, sizeof(path), "%s" PCI "/devices/%s/iommu_group",
			 ib_sysfs_root, bdf);
		snprintf(buf, len, "%s", access(path, F_OK) ? "off" : "unknown");
		return buf;
	}
	snprintf(buf, len, "%s", ib_iommu_type_to_mode(type));
	return buf;
}

static int group_ndevices(const char *bdf)
{
	char path[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s" PCI "/devices/%s/iommu_group/devices",
		 ib_sysfs_root, bdf);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static struct ib_state_group *record_find(struct ib_state *st, const char *bdf)
{
	int i;

	for (i = 0; i < st->ngroups; i++)
		if (!strcmp(st->group[i].bdf, bdf) && !strcmp(st->group[i].root, ib_sysfs_root))
			return &st->group[i];
	return NULL;
}

/* Puts a group back: unbind, original type, original override, rebind,
 * on paths group_resolve() checked.  open/read/write/close only: the
 * signal handler calls it (checked false); elsewhere the unbind path is
 * checked like the others. */
static void restore_one(struct saved_group *g, bool checked)
{
	char cur[32], unbind[600], why[512];

	if (!unbind_path(g, unbind, sizeof(unbind))) {
		if (checked)
			ib_sysfs_write(unbind, IB_SYSFS_PCI, NULL, g->bdf, why, sizeof(why));
		else
			wr(unbind, g->bdf);
	}
	if (!ib_sigsafe_read(g->type_path, cur, sizeof(cur)) && strcmp(cur, g->orig_type))
		wr(g->type_path, g->orig_type);
	wr(g->override_path, g->orig_override[0] ? g->orig_override : "\n");
	if (g->bind_path[0])
		wr(g->bind_path, g->bdf);
	g->restored = 1;
}

/* Restores a group from its ledger record (a run that died); 1 if the
 * type had to be written, 0 if not, -1 if the record was refused (one line
 * on stderr; it stays in the ledger). */
static int restore_record(const struct ib_state_group *r, FILE *out,
			  const char *prefix)
{
	struct saved_group g;
	char cur[32], shown[512], why[1024];

	memset(&g, 0, sizeof(g));
	group_paths(&g, r->root, r->bdf, r->driver);
	snprintf(g.orig_type, sizeof(g.orig_type), "%s", r->orig_type);
	snprintf(g.orig_override, sizeof(g.orig_override), "%s", r->orig_override);
	snprintf(shown, sizeof(shown), "%s", g.type_path);
	if (ib_sigsafe_read(g.type_path, cur, sizeof(cur))) {
		if (out)
			fprintf(out, "%sforgot %s: %s\n", prefix, g.type_path, strerror(errno));
		return 0;
	}
	if (group_resolve(&g, why, sizeof(why))) {
		fprintf(stderr,
			"iommubench: state file %s/state: group %s (pid %d): %s; record refused and left in place\n",
			ib_state_dir(), r->bdf, r->proc.pid, why);
		return -1;
	}
	restore_one(&g, true);
	if (!strcmp(cur, g.orig_type))
		return 0;
	if (out)
		fprintf(out, "%srestored %s %s -> %s\n", prefix, shown, cur, g.orig_type);
	return 1;
}

int ib_iommu_mode_reap(struct ib_state *st, FILE *out, const char *prefix, int *refused)
{
	int i, n = 0, rc;

	for (i = st->ngroups - 1; i >= 0; i--) {
		if (ib_state_proc_alive(&st->group[i].proc))
			continue;
		rc = restore_record(&st->group[i], out, prefix);
		if (rc < 0) {
			if (refused)
				(*refused)++;
			continue;
		}
		n += rc;
		ib_state_group_drop(st, &st->group[i]);
	}
	return n;
}

/* The ledger calls the group types' reaper through its registration. */
__attribute__((constructor)) static void iommu_mode_register(void)
{
	ib_state_register_reaper(IB_STATE_REAP_MODE, ib_iommu_mode_reap);
}

/* Another live run's record for bdf's group, with the refusal in why. */
static bool busy_elsewhere(struct ib_state *st, const char *bdf, const char *mode,
			   char *why, size_t whylen)
{
	struct ib_state_group *r = record_find(st, bdf);

	if (!r || !ib_state_proc_alive(&r->proc) || ib_state_proc_is_self(&r->proc))
		return false;
	snprintf(why, whylen, "iommu_mode=%s: group %d is being switched by iommubench pid %d",
		 mode, r->group, r->proc.pid);
	return true;
}

/*
 * Saves what to put back and records it in the ledger, where it also
 * guards the group: while a live run holds it, other runs refuse to
 * switch it (their first type would be our temporary one).  A record left
 * by a dead run is restored first, so its original is the one kept.
 */
static struct saved_group *save_group(const char *bdf, const char *mode, char *why,
				      size_t whylen)
{
	struct ib_state *st = NULL;
	struct ib_state_group *r;
	struct saved_group *g = NULL, *ret = NULL;
	char link[512], target[512], lockwhy[1024];
	const char *drv = "";
	ssize_t n;
	int i;

	for (i = 0; i < nsaved; i++)
		if (!strcmp(saved[i].bdf, bdf) && saved[i].recorded)
			return &saved[i];
	if (!ib_state_bdf_ok(bdf)) {
		snprintf(why, whylen, "iommu_mode=%s: device %s: not a PCI address dddd:bb:dd.f",
			 mode, bdf);
		return NULL;
	}
	if (ib_state_self_ok(lockwhy, sizeof(lockwhy))) {
		snprintf(why, whylen, "iommu_mode=%s: %s", mode, lockwhy);
		return NULL;
	}
	if (ib_state_lock(true, lockwhy, sizeof(lockwhy))) {
		snprintf(why, whylen, "iommu_mode=%s: cannot record the switch: %s", mode,
			 lockwhy);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st || ib_state_load(st, lockwhy, sizeof(lockwhy))) {
		snprintf(why, whylen, "iommu_mode=%s: %s", mode, st ? lockwhy : "out of memory");
		goto out;
	}
	if (busy_elsewhere(st, bdf, mode, why, whylen))
		goto out;
	r = record_find(st, bdf);
	if (r) { /* left by a dead run (or an earlier us): its original stands */
		if (restore_record(r, stderr, "iommubench: left by a killed run: ") < 0) {
			snprintf(why, whylen,
				 "iommu_mode=%s: the ledger's record for %s is refused (see above); fix or remove it",
				 mode, bdf);
			goto out;
		}
		ib_state_group_drop(st, r);
	}
	for (i = 0; i < nsaved; i++)
		if (!strcmp(saved[i].bdf, bdf))
			break;
	if (i >= MAX_SAVED || st->ngroups >= IB_STATE_MAX_GROUPS) {
		snprintf(why, whylen, "iommu_mode=%s: too many groups switched at once", mode);
		goto out;
	}
	g = &saved[i];
	memset(g, 0, sizeof(*g));
	snprintf(link, sizeof(link), "%s" PCI "/devices/%s/driver", ib_sysfs_root, bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		drv = basename(target);
	}
	if (drv[0] && !ib_state_driver_ok(drv)) {
		snprintf(why, whylen, "iommu_mode=%s: %s is bound to '%s', not a driver name",
			 mode, bdf, drv);
		goto out;
	}
	group_paths(g, ib_sysfs_root, bdf, drv);
	g->group = group_number(ib_sysfs_root, bdf);
	if (ib_sigsafe_read(g->type_path, g->orig_type, sizeof(g->orig_type))) {
		snprintf(why, whylen, "iommu_mode=%s: cannot read the group type of %s",
			 mode, bdf);
		goto out;
	}
	if (ib_sigsafe_read(g->override_path, g->orig_override, sizeof(g->orig_override)) ||
	    !strcmp(g->orig_override, "(null)"))
		g->orig_override[0] = '\0';
	if (!ib_state_type_ok(g->orig_type) ||
	    (g->orig_override[0] && !ib_state_driver_ok(g->orig_override)) ||
	    strpbrk(ib_sysfs_root, "\t\n")) {
		snprintf(why, whylen, "iommu_mode=%s: %s: unexpected characters in sysfs",
			 mode, bdf);
		goto out;
	}
	if (group_resolve(g, lockwhy, sizeof(lockwhy))) {
		snprintf(why, whylen, "iommu_mode=%s: %s: %s", mode, bdf, lockwhy);
		goto out;
	}
	r = &st->group[st->ngroups++];
	memset(r, 0, sizeof(*r));
	snprintf(r->root, sizeof(r->root), "%s", g->root);
	snprintf(r->bdf, sizeof(r->bdf), "%s", g->bdf);
	r->group = g->group;
	r->proc = ib_state_self();
	snprintf(r->orig_type, sizeof(r->orig_type), "%s", g->orig_type);
	snprintf(r->orig_override, sizeof(r->orig_override), "%s", g->orig_override);
	snprintf(r->driver, sizeof(r->driver), "%s", g->driver);
	if (ib_state_save(st, lockwhy, sizeof(lockwhy))) {
		snprintf(why, whylen, "iommu_mode=%s: %s", mode, lockwhy);
		goto out;
	}
	g->recorded = true;
	if (i == nsaved)
		nsaved = i + 1;
	ret = g;
out:
	free(st);
	ib_state_unlock();
	return ret;
}

/* Whether another live run holds bdf's group (why says which). */
static bool group_busy(const char *bdf, const char *mode, char *why, size_t whylen)
{
	struct ib_state *st;
	char lwhy[256];
	bool busy = false;
	int i;

	for (i = 0; i < nsaved; i++)
		if (!strcmp(saved[i].bdf, bdf) && saved[i].recorded)
			return false;
	if (ib_state_lock(false, lwhy, sizeof(lwhy)))
		return false;
	st = calloc(1, sizeof(*st));
	if (st && !ib_state_load(st, lwhy, sizeof(lwhy)))
		busy = busy_elsewhere(st, bdf, mode, why, whylen);
	free(st);
	ib_state_unlock();
	return busy;
}

void (*volatile ib_signal_release)(void);

void ib_iommu_mode_restore_signal(void)
{
	void (*release)(void) = ib_signal_release;
	int i;

	if (release)
		release();

	for (i = 0; i < nsaved; i++)
		if (saved[i].recorded && !saved[i].restored)
			restore_one(&saved[i], false);
}

void ib_iommu_mode_restore_all(void)
{
	struct ib_state *st = NULL;
	struct ib_state_proc me;
	char why[512], cur[32];
	int i, lrc;

	for (i = 0; i < nsaved; i++)
		if (saved[i].recorded)
			break;
	if (i == nsaved)
		return;
	/* under the lock: signals are blocked, the handler cannot interleave */
	lrc = ib_state_lock(false, why, sizeof(why));
	ib_iommu_mode_restore_signal();
	if (lrc) {
		if (lrc < 0)
			fprintf(stderr, "iommubench: %s\n", why);
		return;
	}
	me = ib_state_self();
	st = calloc(1, sizeof(*st));
	if (!st || ib_state_load(st, why, sizeof(why))) {
		fprintf(stderr, "iommubench: %s\n", st ? why : "out of memory");
		goto out;
	}
	for (i = 0; i < nsaved; i++) {
		struct saved_group *g = &saved[i];
		struct ib_state_group *r;

		if (!g->recorded)
			continue;
		r = record_find(st, g->bdf);
		if (ib_sigsafe_read(g->type_path, cur, sizeof(cur)) || strcmp(cur, g->orig_type)) {
			/* kept: the reaper retries once we are gone */
			fprintf(stderr, "iommubench: %s: type is %s, could not put back %s\n",
				g->type_path, cur, g->orig_type);
			continue;
		}
		if (r && r->proc.pid == me.pid && r->proc.start == me.start)
			ib_state_group_drop(st, r);
		g->recorded = false;
	}
	if (ib_state_save(st, why, sizeof(why)))
		fprintf(stderr, "iommubench: %s\n", why);
out:
	free(st);
	ib_state_unlock();
}

/* The driver bdf is bound to now ("" = none). */
static void current_driver(const char *bdf, char *buf, size_t len)
{
	char link[512], target[512];
	ssize_t n;

	snprintf(link, sizeof(link), "%s" PCI "/devices/%s/driver", ib_sysfs_root, bdf);
	n = readlink(link, target, sizeof(target) - 1);
	buf[0] = '\0';
	if (n > 0) {
		target[n] = '\0';
		snprintf(buf, len, "%s", basename(target));
	}
}

static struct saved_group *saved_of(const char *bdf)
{
	int i;

	for (i = 0; i < nsaved; i++)
		if (!strcmp(saved[i].bdf, bdf) && saved[i].recorded)
			return &saved[i];
	return NULL;
}

int ib_iommu_mode_apply(const char *bdf, const char *mode, char *eff,
			size_t efflen, char *why, size_t whylen)
{
	return ib_iommu_mode_apply_bind(bdf, mode, "iommubench", eff, efflen, why, whylen);
}

int ib_iommu_mode_apply_bind(const char *bdf, const char *mode, const char *driver,
			     char *eff, size_t efflen, char *why, size_t whylen)
{
	const char *want = mode_to_type(mode);
	struct saved_group *g = saved_of(bdf);
	char cur[64], probe[512], unbind[600], drv[128], target[128], swhy[1024];
	bool keep_type = !strcmp(mode, "current"), bound;
	bool module = driver && !strcmp(driver, "iommubench");
	int n;

	why[0] = '\0';
	if (driver && !ib_state_driver_ok(driver)) {
		snprintf(why, whylen,
			 "iommu_mode=%s: driver '%s': allowed 1..63 of [A-Za-z0-9_.+-], not starting with '.'",
			 mode, driver);
		return IB_EXIT_USAGE;
	}
	ib_iommu_mode_read(bdf, eff, efflen);
	current_driver(bdf, drv, sizeof(drv));
	/* the driver wanted: driver, or the one it had before our first change */
	snprintf(target, sizeof(target), "%s", driver ? driver : g ? g->driver : drv);
	/* module engines with current: the device as it is (bound to the
	 * module by the user); a device we rebound (vfio-pci, say) goes back */
	bound = !strcmp(drv, target) || (!g && module);
	if (keep_type && bound)
		return IB_EXIT_OK;
	if (group_busy(bdf, mode, why, whylen))
		return IB_EXIT_SKIPPED;
	if ((keep_type || !strcmp(eff, mode)) && bound)
		return IB_EXIT_OK;
	if (!strcmp(eff, mode))
		keep_type = true;
	if (!keep_type && !strcmp(mode, "off")) {
		snprintf(why, whylen,
			 "iommu_mode=off cannot be set at runtime (effective: %s); boot with intel_iommu=off or amd_iommu=off",
			 eff);
		return IB_EXIT_SKIPPED;
	}
	if (!keep_type && !strcmp(eff, "off")) {
		snprintf(why, whylen,
			 "iommu_mode=%s: device %s has no IOMMU group (no IOMMU translates it)",
			 mode, bdf);
		return IB_EXIT_SKIPPED;
	}
	n = group_ndevices(bdf);
	if (n != 1) {
		snprintf(why, whylen,
			 "iommu_mode=%s: the IOMMU group of %s has %d devices; switching it would unbind the others",
			 mode, bdf, n);
		return IB_EXIT_SKIPPED;
	}
	g = save_group(bdf, mode, why, whylen);
	if (!g)
		return IB_EXIT_SKIPPED;
	if (!driver)
		snprintf(target, sizeof(target), "%s", g->driver);
	g->restored = 0;
	if (!unbind_path(g, unbind, sizeof(unbind)) &&
	    ib_sysfs_write(unbind, IB_SYSFS_PCI, NULL, bdf, swhy, sizeof(swhy)) < 0) {
		snprintf(why, whylen, "iommu_mode=%s: unbinding %s: %s", mode, bdf, swhy);
		restore_one(g, true);
		return IB_EXIT_SKIPPED;
	}
	if (!keep_type && wr(g->type_path, want)) {
		snprintf(why, whylen, "iommu_mode=%s: writing %s to %s: %s", mode,
			 want, g->type_path, strerror(errno));
		restore_one(g, true);
		return IB_EXIT_SKIPPED;
	}
	snprintf(probe, sizeof(probe), "%s" PCI "/drivers_probe", ib_sysfs_root);
	snprintf(swhy, sizeof(swhy), "%s", strerror(ENOENT));
	/* its own driver: the original override (none: "\n" clears it) */
	if ((wr(g->override_path, driver ? driver :
				g->orig_override[0] ? g->orig_override : "\n") &&
	     snprintf(swhy, sizeof(swhy), "%s", strerror(errno))) ||
	    (target[0] && ib_sysfs_write(probe, IB_SYSFS_PCI, NULL, bdf, swhy, sizeof(swhy)))) {
		snprintf(why, whylen, "iommu_mode=%s: binding %s to %s: %s",
			 mode, bdf, target[0] ? target : "no driver", swhy);
		restore_one(g, true);
		return IB_EXIT_SKIPPED;
	}
	ib_iommu_mode_read(bdf, eff, efflen);
	current_driver(bdf, drv, sizeof(drv));
	if (!module && strcmp(drv, target)) {
		snprintf(why, whylen, "iommu_mode=%s: %s is bound to %s after the switch, not %s",
			 mode, bdf, drv[0] ? drv : "no driver", target);
		return IB_EXIT_SKIPPED;
	}
	if (!strcmp(mode, "current"))
		return IB_EXIT_OK;
	if (ib_read_file(g->type_path, cur, sizeof(cur)) || strcmp(eff, mode)) {
		snprintf(why, whylen, "iommu_mode=%s: effective mode is %s after the switch",
			 mode, eff);
		return IB_EXIT_SKIPPED;
	}
	return IB_EXIT_OK;
}
