// SPDX-License-Identifier: GPL-2.0
/* The state ledger on a fake sysfs tree and a temporary state directory:
 * two overlapping pool reservations (two processes) released in either
 * order end at the original count; a dead holder's pages (a pid that is
 * gone, or a live pid with another start time) are reaped by
 * ib_state_reap() and by the next reservation; the signal-handler path
 * gives our pages back and the exit path settles the ledger; a group type
 * left by a dead run is restored from the ledger; a group switched by a
 * live run is refused to another.
 *
 * Hostile ledgers (issue 20 §2): records naming files outside the pool /
 * PCI / IOMMU trees, links out of them, driver names with '/', other
 * sysfs roots, numbers out of range (2^63-1 plus a holder), pid 1, a
 * planted state.tmp link and a state directory others may write are each
 * refused with one line, never written through, and left in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ib_buffer.h"
#include "ib_exit.h"
#include "ib_iommu_mode.h"
#include "ib_machine_state.h"
#include "test_util.h"

#define POOL "/sys/devices/system/node/node0/hugepages/hugepages-2048kB"
#define DEV "/sys/bus/pci/devices/0000:00:03.0"

static char root[64], statedir[600], nr_path[600], free_path[600];

static void sh(const char *fmt, const char *arg)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(v, f);
	fclose(f);
}

static long long nr(void)
{
	char *s = slurp(nr_path);
	long long v;

	assert_non_null(s);
	v = atoll(s);
	free(s);
	return v;
}

static char *state_text(void)
{
	char path[700];
	char *s;

	snprintf(path, sizeof(path), "%s/state", statedir);
	s = slurp(path);
	return s ? s : strdup("");
}

static char *rel(const char *r)
{
	static char buf[600];
	char path[600];
	char *s;

	snprintf(path, sizeof(path), "%s%s", root, r);
	s = slurp(path);
	assert_non_null(s);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/ib-test-state-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(statedir, sizeof(statedir), "%s/state", root);
	setenv("IOMMUBENCH_STATE_DIR", statedir, 1);
	sh("mkdir -p %s" POOL, root);
	snprintf(nr_path, sizeof(nr_path), "%s" POOL "/nr_hugepages", root);
	snprintf(free_path, sizeof(free_path), "%s" POOL "/free_hugepages", root);
	put(nr_path, "3\n");
	/* a fake tree does not react to writes: every reservation must grow */
	put(free_path, "0\n");
	/* one device in group 3 bound to edu_drv, default domain DMA */
	sh("cd %s && mkdir -p sys/bus/pci/drivers/edu_drv sys/kernel/iommu_groups/3/devices "
	   "sys/bus/pci/devices/0000:00:03.0 && echo DMA > sys/kernel/iommu_groups/3/type && "
	   "touch sys/kernel/iommu_groups/3/devices/0000:00:03.0 sys/bus/pci/drivers/edu_drv/bind "
	   "sys/bus/pci/drivers/edu_drv/unbind sys/bus/pci/drivers_probe && "
	   "echo '(null)' > sys/bus/pci/devices/0000:00:03.0/driver_override && "
	   "ln -s ../../../../kernel/iommu_groups/3 sys/bus/pci/devices/0000:00:03.0/iommu_group && "
	   "ln -s ../../drivers/edu_drv sys/bus/pci/devices/0000:00:03.0/driver", root);
	snprintf(ib_sysfs_root, sizeof(ib_sysfs_root), "%s", root);
	return 0;
}

static int teardown(void **state)
{
	sh("rm -rf %s", root);
	ib_sysfs_root[0] = '\0';
	unsetenv("IOMMUBENCH_STATE_DIR");
	return 0;
}

/* A second iommubench process: reserves 32 pages, then releases them
 * when told (one byte on its pipe). */
struct holder {
	pid_t pid;
	int go, done;
};

static struct holder holder_start(void)
{
	struct holder h;
	int to[2], from[2];
	char c = 0, why[512];

	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	h.pid = fork();
	assert_true(h.pid >= 0);
	if (!h.pid) {
		close(to[1]);
		close(from[0]);
		ib_hugepages_reserve(0, 2 << 20, 32, why, sizeof(why));
		if (write(from[1], "r", 1) != 1 || read(to[0], &c, 1) != 1)
			_exit(1);
		ib_hugepages_restore_all();
		_exit(write(from[1], "d", 1) == 1 ? 0 : 1);
	}
	close(to[0]);
	close(from[1]);
	h.go = to[1];
	h.done = from[0];
	assert_int_equal(read(h.done, &c, 1), 1);
	assert_int_equal(c, 'r');
	return h;
}

static void holder_release(struct holder *h)
{
	char c = 0;
	int st;

	assert_int_equal(write(h->go, "g", 1), 1);
	assert_int_equal(read(h->done, &c, 1), 1);
	assert_int_equal(c, 'd');
	assert_int_equal(waitpid(h->pid, &st, 0), h->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(h->go);
	close(h->done);
}

static void overlap(bool first_ends_first)
{
	struct holder a, b;
	char *s;

	put(nr_path, "3\n");
	a = holder_start();
	assert_int_equal(nr(), 35);
	b = holder_start(); /* takes 35 as a raised pool, not as the original */
	assert_int_equal(nr(), 67);
	s = state_text();
	assert_non_null(strstr(s, "nr_hugepages\t3\n"));
	free(s);
	holder_release(first_ends_first ? &a : &b);
	assert_int_equal(nr(), 35); /* the other still holds its 32 */
	holder_release(first_ends_first ? &b : &a);
	assert_int_equal(nr(), 3);
	s = state_text();
	assert_string_equal(s, ""); /* nothing left recorded */
	free(s);
}

static void test_overlap_first_ends_first(void **state)
{
	overlap(true);
}

static void test_overlap_second_ends_first(void **state)
{
	overlap(false);
}

static pid_t dead_pid(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (!p)
		_exit(0);
	assert_int_equal(waitpid(p, NULL, 0), p);
	return p;
}

static void write_state(const char *text)
{
	char path[700];

	sh("mkdir -p %s", statedir);
	snprintf(path, sizeof(path), "%s/state", statedir);
	put(path, text);
}

/* ib_state_reap(): its stdout lines in out, its stderr (refusals) in err
 * (may be NULL), the refused count in *refused (may be NULL). */
static int reap_full(char *out, size_t len, char *err, size_t errlen, int *refused)
{
	char why[512], *buf = NULL, errpath[] = "/tmp/ib-test-state-err-XXXXXX";
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int rc, saved, efd, bad = -1;
	char *e;

	assert_non_null(f);
	efd = mkstemp(errpath);
	assert_true(efd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(efd, 2);
	rc = ib_state_reap(f, "", &bad, why, sizeof(why));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(efd);
	fclose(f);
	snprintf(out, len, "%s", rc < 0 ? why : buf);
	free(buf);
	e = slurp(errpath);
	unlink(errpath);
	if (err)
		snprintf(err, errlen, "%s", e ? e : "");
	free(e);
	if (refused)
		*refused = bad;
	return rc;
}

static int reap(char *out, size_t len)
{
	int refused;
	int rc = reap_full(out, len, NULL, 0, &refused);

	assert_int_equal(refused, 0);
	return rc;
}

static void test_dead_holder_reaped(void **state)
{
	char text[4096], out[2048], want[1024];
	struct ib_state_proc me = ib_state_self();
	char *s;

	/* a killed run (pid gone) and a recycled pid (ours, other start time) */
	put(nr_path, "77\n");
	snprintf(text, sizeof(text),
		 "pool\t%s\t3\nhold\t%s\t%d\t12345\t32\nhold\t%s\t%d\t1\t10\n"
		 "hold\t%s\t%d\t%llu\t32\n",
		 nr_path, nr_path, dead_pid(), nr_path, me.pid, nr_path, me.pid, me.start);
	write_state(text);
	assert_int_equal(reap(out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "restored %s 77 -> 35\n", nr_path);
	assert_string_equal(out, want);
	assert_int_equal(nr(), 35); /* our own 32 stay: we are alive */
	s = state_text();
	assert_null(strstr(s, "\t12345\t"));
	assert_non_null(strstr(s, "nr_hugepages\t3\n"));
	free(s);

	/* now only dead holders: back to the original, ledger empty */
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t%d\t12345\t32\n", nr_path,
		 nr_path, dead_pid());
	write_state(text);
	assert_int_equal(reap(out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "restored %s 35 -> 3\n", nr_path);
	assert_string_equal(out, want);
	assert_int_equal(nr(), 3);
	s = state_text();
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(reap(out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* The next run reaps first: a killed run's 32 pages are not its baseline. */
static void test_next_run_reaps(void **state)
{
	char text[2048], why[512];
	char *s;

	put(nr_path, "35\n");
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t%d\t12345\t32\n", nr_path,
		 nr_path, dead_pid());
	write_state(text);
	ib_hugepages_reserve(0, 2 << 20, 8, why, sizeof(why));
	assert_int_equal(nr(), 11); /* 3 + 8, not 35 + 8 */
	s = state_text();
	assert_non_null(strstr(s, "nr_hugepages\t3\n"));
	free(s);
	ib_hugepages_restore_all();
	assert_int_equal(nr(), 3);
}

/* The handler subtracts our pages at once; the exit path then settles the
 * ledger without taking them twice. */
static void test_signal_path(void **state)
{
	struct holder a;
	char why[512];
	char *s;

	put(nr_path, "3\n");
	a = holder_start();
	ib_hugepages_reserve(0, 2 << 20, 32, why, sizeof(why));
	assert_int_equal(nr(), 67);
	ib_hugepages_restore_signal();
	assert_int_equal(nr(), 35);
	ib_hugepages_restore_signal(); /* a second signal: nothing more */
	assert_int_equal(nr(), 35);
	ib_hugepages_restore_all();
	assert_int_equal(nr(), 35);
	holder_release(&a);
	assert_int_equal(nr(), 3);
	s = state_text();
	assert_string_equal(s, "");
	free(s);
}

static void test_group_restored_from_ledger(void **state)
{
	char text[1024], out[2048], want[1024];

	/* a killed run left group 3 in identity, bound to iommubench */
	put(strcat(strcpy(text, root), "/sys/kernel/iommu_groups/3/type"), "identity\n");
	put(strcat(strcpy(text, root), DEV "/driver_override"), "iommubench\n");
	snprintf(text, sizeof(text), "group\t%s\t0000:00:03.0\t3\t%d\t12345\tDMA\t-\tedu_drv\n",
		 root, dead_pid());
	write_state(text);
	assert_int_equal(reap(out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "restored %s" DEV "/iommu_group/type identity -> DMA\n",
		 root);
	assert_string_equal(out, want);
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "DMA");
	assert_string_equal(rel(DEV "/driver_override"), "\n");
	assert_string_equal(rel("/sys/bus/pci/drivers/edu_drv/bind"), "0000:00:03.0");
	assert_int_equal(reap(out, sizeof(out)), 0);
}

static void test_group_busy(void **state)
{
	char eff[32], why[512], want[256], c = 0;
	int to[2], from[2], st;
	pid_t pid;

	put(strcat(strcpy(want, root), "/sys/kernel/iommu_groups/3/type"), "DMA\n");
	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int rc = ib_iommu_mode_apply("0000:00:03.0", "identity", eff, sizeof(eff),
					     why, sizeof(why));

		if (write(from[1], rc ? "x" : "r", 1) != 1 || read(to[0], &c, 1) != 1)
			_exit(1);
		ib_iommu_mode_restore_all();
		_exit(write(from[1], "d", 1) == 1 ? 0 : 1);
	}
	assert_int_equal(read(from[0], &c, 1), 1);
	assert_int_equal(c, 'r');
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "identity");
	snprintf(want, sizeof(want),
		 "iommu_mode=identity: group 3 is being switched by iommubench pid %d", pid);
	/* even the mode it is in now: the other run will switch it back */
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "identity", eff, sizeof(eff),
					     why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_string_equal(why, want);
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "dma-lazy", eff, sizeof(eff),
					     why, sizeof(why)), IB_EXIT_SKIPPED);
	assert_non_null(strstr(why, "is being switched by iommubench pid"));
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "current", eff, sizeof(eff),
					     why, sizeof(why)), IB_EXIT_OK);
	assert_int_equal(write(to[1], "g", 1), 1);
	assert_int_equal(read(from[0], &c, 1), 1);
	assert_int_equal(c, 'd');
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "DMA");
	/* free again: ours to switch, and its original is DMA, not identity */
	assert_int_equal(ib_iommu_mode_apply("0000:00:03.0", "dma-lazy", eff, sizeof(eff),
					     why, sizeof(why)), IB_EXIT_OK);
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "DMA-FQ");
	ib_iommu_mode_restore_all();
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "DMA");
	close(to[0]);
	close(to[1]);
	close(from[0]);
	close(from[1]);
}

/* ---- hostile ledgers ---- */

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A file outside every allowed tree, with known contents. */
static void victim(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", root, name);
	put(path, "precious\n");
}

/* The ledger text after a reap must still hold every line of text. */
static void assert_kept(const char *text)
{
	char *s = state_text();
	char *copy = strdup(text), *save = NULL, *l;

	for (l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		assert_non_null(strstr(s, l));
	free(copy);
	free(s);
}

/* One hostile record: refused with exactly one line naming want, nothing
 * restored, nothing written, the record still in the ledger. */
static void refused_one(const char *text, const char *want)
{
	char out[2048], err[4096];
	int refused;

	write_state(text);
	assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
	assert_int_equal(refused, 1);
	assert_string_equal(out, "");
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "record refused and left in place"));
	if (!strstr(err, want))
		fail_msg("refusal '%s' does not name '%s'", err, want);
	assert_kept(text);
}

/* A pool record naming a regular file, or a pool file that is a link out
 * of the tree (or in a linked directory): refused, never written. */
static void test_pool_outside_refused(void **state)
{
	char text[2048], v[600], link[700];
	int dead = dead_pid();

	victim(v, sizeof(v), "victim");
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t%d\t12345\t32\n", v, v, dead);
	write_state(text);
	{
		char out[2048], err[4096];
		int refused;

		assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
		/* the pool line, and its hold line that now has no pool */
		assert_int_equal(refused, 2);
		assert_int_equal(count_lines(err), 2);
		assert_non_null(strstr(err, "pool path"));
		assert_non_null(strstr(err, "nr_hugepages"));
		assert_string_equal(out, "");
		assert_kept(text);
	}
	assert_string_equal(rel("/victim"), "precious\n");

	/* the right name, but a link to the victim */
	snprintf(link, sizeof(link), "%s/sys/kernel/mm/hugepages/hugepages-2048kB", root);
	sh("mkdir -p %s/sys/kernel/mm/hugepages/hugepages-2048kB", root);
	strcat(link, "/nr_hugepages");
	assert_int_equal(symlink(v, link), 0);
	/* its dead holder is not dropped either: the record stays as it was */
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t%d\t12345\t32\n", link, link, dead);
	refused_one(text, "resolves to");
	assert_string_equal(rel("/victim"), "precious\n");

	/* a linked directory on the way */
	sh("mkdir -p %s/elsewhere/hugepages-1048576kB && echo precious > "
	   "%s/elsewhere/hugepages-1048576kB/nr_hugepages && "
	   "ln -s ../../../../elsewhere/hugepages-1048576kB "
	   "%s/sys/kernel/mm/hugepages/hugepages-1048576kB", root);
	snprintf(text, sizeof(text),
		 "pool\t%s/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages\t0\n", root);
	refused_one(text, "resolves to");
	assert_string_equal(rel("/elsewhere/hugepages-1048576kB/nr_hugepages"), "precious\n");
	/* a link to another pool: still refused (a pool record names its file) */
	sh("ln -s ../../../devices/system/node/node0/hugepages/hugepages-2048kB "
	   "%s/sys/kernel/mm/hugepages/hugepages-64kB", root);
	put(nr_path, "35\n");
	snprintf(text, sizeof(text),
		 "pool\t%s/sys/kernel/mm/hugepages/hugepages-64kB/nr_hugepages\t0\n", root);
	refused_one(text, "through a link");
	assert_int_equal(nr(), 35);

	/* .. in the name, another root */
	snprintf(text, sizeof(text),
		 "pool\t%s/sys/kernel/mm/hugepages/../../../../victim\t3\n", root);
	refused_one(text, "pool path");
	refused_one("pool\t/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages\t3\n",
		    "pool path");
	assert_string_equal(rel("/victim"), "precious\n");
}

/* Group records: a link out of the tree, a driver name with '/', another
 * sysfs root, a bad address. */
static void test_group_outside_refused(void **state)
{
	char text[2048], v[600], err[4096], out[2048], ovr[256], bind[256];
	int refused, dead = dead_pid();

	victim(v, sizeof(v), "victim");
	snprintf(ovr, sizeof(ovr), "%s", rel(DEV "/driver_override"));
	snprintf(bind, sizeof(bind), "%s", rel("/sys/bus/pci/drivers/edu_drv/bind"));
	put(strcat(strcpy(text, root), "/sys/kernel/iommu_groups/3/type"), "identity\n");
	/* iommu_group now leads out of the tree, to a directory with a 'type' */
	sh("mkdir -p %s/outside && echo precious > %s/outside/type && "
	   "rm %s/sys/bus/pci/devices/0000:00:03.0/iommu_group && "
	   "ln -s ../../../../../outside %s/sys/bus/pci/devices/0000:00:03.0/iommu_group", root);
	snprintf(text, sizeof(text), "group\t%s\t0000:00:03.0\t3\t%d\t12345\tDMA\t-\tedu_drv\n",
		 root, dead);
	write_state(text);
	assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
	assert_int_equal(refused, 1);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "group 0000:00:03.0"));
	assert_non_null(strstr(err, "iommu_groups/<N>/type"));
	assert_string_equal(rel("/outside/type"), "precious\n");
	assert_string_equal(rel(DEV "/driver_override"), ovr); /* nothing written */
	assert_string_equal(rel("/sys/bus/pci/drivers/edu_drv/bind"), bind);
	assert_kept(text);

	/* driver_override a link to the victim */
	sh("rm %s/sys/bus/pci/devices/0000:00:03.0/iommu_group && "
	   "ln -s ../../../../kernel/iommu_groups/3 %s/sys/bus/pci/devices/0000:00:03.0/iommu_group && "
	   "mv %s/sys/bus/pci/devices/0000:00:03.0/driver_override %s/ovr.saved && "
	   "ln -s ../../../../../victim %s/sys/bus/pci/devices/0000:00:03.0/driver_override", root);
	refused_one(text, "driver_override");
	assert_string_equal(rel("/victim"), "precious\n");
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "identity\n");
	sh("rm %s/sys/bus/pci/devices/0000:00:03.0/driver_override && "
	   "mv %s/ovr.saved %s/sys/bus/pci/devices/0000:00:03.0/driver_override", root);

	/* a driver name that climbs out: refused as read, before any path */
	snprintf(text, sizeof(text),
		 "group\t%s\t0000:00:03.0\t3\t%d\t12345\tDMA\t-\t../../../../victim\n", root, dead);
	refused_one(text, "group driver ../../../../victim: allowed '-' or a driver name");
	snprintf(text, sizeof(text),
		 "group\t%s\t0000:00:03.0\t3\t%d\t12345\tDMA\tx/y\tedu_drv\n", root, dead);
	refused_one(text, "group driver_override x/y");
	/* another root (the records of a fake tree are not this process's) */
	snprintf(text, sizeof(text),
		 "group\t/tmp\t0000:00:03.0\t3\t%d\t12345\tDMA\t-\tedu_drv\n", dead);
	refused_one(text, "group root /tmp: allowed only");
	snprintf(text, sizeof(text), "group\t%s\t../../x\t3\t%d\t12345\tDMA\t-\tedu_drv\n",
		 root, dead);
	refused_one(text, "group device ../../x");
	snprintf(text, sizeof(text),
		 "group\t%s\t0000:00:03.0\t3\t%d\t12345\tDMA\nx\t-\tedu_drv\n", root, dead);
	write_state(text);
	assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
	assert_int_equal(refused, 2);
	assert_string_equal(rel("/sys/kernel/iommu_groups/3/type"), "identity\n");
	assert_string_equal(rel("/victim"), "precious\n");
}

/* Numbers: 2^63-1 plus a live holder overflowed (UBSan, then a negative
 * pool); negatives, junk, pids 0, 1 and above PID_MAX_LIMIT. */
static void test_numbers_refused(void **state)
{
	struct ib_state_proc me = ib_state_self(), init = { .pid = 1 };
	char text[2048], want[1024];
	FILE *f;

	f = fopen("/proc/1/stat", "r");
	if (f) { /* pid 1's real start time: alive forever */
		char buf[1024], *p;
		int i;

		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		p = strrchr(buf, ')');
		for (i = 3; i < 22 && p; i++)
			p = strchr(p + 1, ' ');
		assert_non_null(p);
		init.start = strtoull(p + 1, NULL, 10);
	}
	put(nr_path, "35\n");
	snprintf(text, sizeof(text), "pool\t%s\t9223372036854775807\n", nr_path);
	refused_one(text, "original count 9223372036854775807: allowed 0..1099511627776");
	snprintf(text, sizeof(text), "pool\t%s\t-4\n", nr_path);
	refused_one(text, "original count -4");
	snprintf(text, sizeof(text), "pool\t%s\t3x\n", nr_path);
	refused_one(text, "original count 3x");
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t%d\t%llu\t9223372036854775807\n",
		 nr_path, nr_path, me.pid, me.start);
	write_state(text);
	{
		char out[2048], err[4096];
		int refused;

		assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 1);
		assert_int_equal(refused, 1);
		assert_non_null(strstr(err, "pages 9223372036854775807: allowed 0..1099511627776"));
		/* the pool alone (no holder left) goes back to its original */
		snprintf(want, sizeof(want), "restored %s 35 -> 3\n", nr_path);
		assert_string_equal(out, want);
		assert_int_equal(nr(), 3);
		/* the refused hold line stays, verbatim */
		snprintf(text, sizeof(text), "hold\t%s\t%d\t%llu\t9223372036854775807\n", nr_path,
			 me.pid, me.start);
		assert_kept(text);
	}
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t1\t%llu\t32\n", nr_path, nr_path,
		 init.start);
	write_state(text);
	{
		char out[2048], err[4096];
		int refused;

		put(nr_path, "35\n");
		assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 1);
		assert_int_equal(refused, 1);
		assert_non_null(strstr(err, "pid 1: allowed 2..4194304 (pid 1 is init"));
		assert_int_equal(nr(), 3); /* its pages are not kept forever */
	}
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t0\t1\t32\n", nr_path, nr_path);
	write_state(text);
	put(nr_path, "3\n");
	{
		char out[2048], err[4096];
		int refused;

		assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
		assert_int_equal(refused, 1);
		assert_non_null(strstr(err, "pid 0: allowed 2..4194304"));
	}
	snprintf(text, sizeof(text), "pool\t%s\t3\nhold\t%s\t99999999\t1\t32\n", nr_path, nr_path);
	write_state(text);
	{
		char out[2048], err[4096];
		int refused;

		assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
		assert_int_equal(refused, 1);
		assert_non_null(strstr(err, "pid 99999999"));
	}
	/* a pool file reading 2^63-1: no reservation on it, no overflow */
	{
		char why[512];

		write_state("");
		put(nr_path, "9223372036854775807\n");
		assert_int_equal(ib_hugepages_reserve(0, 2 << 20, 8, why, sizeof(why)), -1);
		assert_string_equal(rel(POOL "/nr_hugepages"), "9223372036854775807\n");
		put(nr_path, "3\n");
	}
}

/* A bad record survives the saves of a reservation and its release, byte
 * for byte; the good records around it work as before. */
static void test_bad_record_kept(void **state)
{
	char text[2048], why[512], line[700];
	char *s;

	put(nr_path, "3\n");
	snprintf(line, sizeof(line), "pool\t%s/victim\t3", root);
	snprintf(text, sizeof(text), "%s\n", line);
	write_state(text);
	/* the fake pool does not react: -1 "only 0 of 8", but it was raised */
	ib_hugepages_reserve(0, 2 << 20, 8, why, sizeof(why));
	assert_int_equal(nr(), 11);
	ib_hugepages_restore_all();
	assert_int_equal(nr(), 3);
	s = state_text();
	assert_non_null(strstr(s, line));
	assert_null(strstr(s, "hold"));
	free(s);
}

/* A planted state.tmp link: its target is never written; a leftover
 * state.tmp file is replaced. */
static void test_state_tmp_link(void **state)
{
	char v[600], tmp[700], text[1024], why[512];

	victim(v, sizeof(v), "victim");
	write_state("");
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", statedir);
	assert_int_equal(symlink(v, tmp), 0);
	put(nr_path, "3\n");
	ib_hugepages_reserve(0, 2 << 20, 8, why, sizeof(why));
	assert_int_equal(nr(), 11);
	assert_string_equal(rel("/victim"), "precious\n");
	snprintf(text, sizeof(text), "pool\t%s\t3\n", nr_path);
	assert_kept(text);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed into place, link gone */
	ib_hugepages_restore_all();
	assert_int_equal(nr(), 3);
	assert_string_equal(rel("/victim"), "precious\n");
}

/* The state directory: writable by others, owned by another user, or a
 * link: refused with one line, nothing written; also where
 * IOMMUBENCH_STATE_DIR points. */
static void test_state_dir_refused(void **state)
{
	char why[1024], out[1024], other[700], link[700];
	int refused;

	write_state("");
	assert_int_equal(chmod(statedir, 0777), 0);
	assert_int_equal(ib_state_lock(true, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others (owner uid"));
	assert_int_equal(chmod(statedir, 01777), 0);
	assert_int_equal(ib_state_lock(true, why, sizeof(why)), -1);
	assert_int_equal(chmod(statedir, 0775), 0);
	assert_int_equal(ib_state_lock(true, why, sizeof(why)), -1);
	assert_int_equal(chmod(statedir, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(statedir, 65534, 65534), 0);
		assert_int_equal(ib_state_lock(true, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "owned by another user"));
		assert_int_equal(chown(statedir, 0, 0), 0);
	}
	/* elsewhere through the variable: a link to a good directory */
	snprintf(other, sizeof(other), "%s/other", root);
	snprintf(link, sizeof(link), "%s/link", root);
	assert_int_equal(mkdir(other, 0700), 0);
	assert_int_equal(symlink(other, link), 0);
	setenv("IOMMUBENCH_STATE_DIR", link, 1);
	assert_int_equal(ib_state_lock(true, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "a symbolic link"));
	assert_int_equal(reap_full(out, sizeof(out), NULL, 0, &refused), -1);
	assert_non_null(strstr(out, "a symbolic link"));
	setenv("IOMMUBENCH_STATE_DIR", other, 1);
	assert_int_equal(ib_state_lock(true, why, sizeof(why)), 0);
	ib_state_unlock();
	setenv("IOMMUBENCH_STATE_DIR", statedir, 1);
	assert_int_equal(ib_state_lock(true, why, sizeof(why)), 0);
	ib_state_unlock();
}

/* Trace records: pid 1, a relative root, a root that is no tracefs. */
static void test_trace_records(void **state)
{
	char text[1024], out[1024], err[2048], inst[700];
	int refused, dead = dead_pid();

	snprintf(text, sizeof(text), "trace\tinstances\t%d\t5\n", dead);
	refused_one(text, "trace root instances: allowed an absolute path");
	snprintf(text, sizeof(text), "trace\t%s/../x\t%d\t5\n", root, dead);
	refused_one(text, "trace root");
	snprintf(text, sizeof(text), "trace\t%s\t1\t5\n", root);
	refused_one(text, "pid 1: allowed 2..4194304");
	/* a plain directory with instances/iommubench-<pid>: not tracefs */
	snprintf(inst, sizeof(inst), "%s/fake/instances/iommubench-%d", root, dead);
	sh("mkdir -p %s/fake/instances", root);
	assert_int_equal(mkdir(inst, 0700), 0);
	snprintf(text, sizeof(text), "trace\t%s/fake\t%d\t5\n", root, dead);
	refused_one(text, "is not a tracefs instances directory");
	assert_int_equal(access(inst, F_OK), 0); /* not removed */
	/* a mount point that is gone: forgotten, nothing removed */
	snprintf(text, sizeof(text), "trace\t%s/gone\t%d\t5\n", root, dead);
	write_state(text);
	assert_int_equal(reap_full(out, sizeof(out), err, sizeof(err), &refused), 0);
	assert_int_equal(refused, 0);
	assert_non_null(strstr(out, "forgot"));
	{
		char *s = state_text();

		assert_string_equal(s, "");
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap_first_ends_first),
		cmocka_unit_test(test_overlap_second_ends_first),
		cmocka_unit_test(test_dead_holder_reaped),
		cmocka_unit_test(test_next_run_reaps),
		cmocka_unit_test(test_signal_path),
		cmocka_unit_test(test_group_restored_from_ledger),
		cmocka_unit_test(test_group_busy),
		cmocka_unit_test(test_pool_outside_refused),
		cmocka_unit_test(test_group_outside_refused),
		cmocka_unit_test(test_numbers_refused),
		cmocka_unit_test(test_bad_record_kept),
		cmocka_unit_test(test_state_tmp_link),
		cmocka_unit_test(test_state_dir_refused),
		cmocka_unit_test(test_trace_records),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
