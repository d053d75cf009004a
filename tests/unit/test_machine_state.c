// SPDX-License-Identifier: GPL-2.0
/* The state ledger on a fake sysfs tree and a temporary state directory:
 * two overlapping pool reservations (two processes) released in either
 * order end at the original count; a dead holder's pages (a pid that is
 * gone, or a live pid with another start time) are reaped by
 * ib_state_reap() and by the next reservation; the signal-handler path
 * gives our pages back and the exit path settles the ledger; a group type
 * left by a dead run is restored from the ledger; a group switched by a
 * live run is refused to another. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int reap(char *out, size_t len)
{
	char why[512], *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int rc;

	assert_non_null(f);
	rc = ib_state_reap(f, "", why, sizeof(why));
	fclose(f);
	snprintf(out, len, "%s", rc < 0 ? why : buf);
	free(buf);
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
