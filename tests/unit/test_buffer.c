// SPDX-License-Identifier: GPL-2.0
/* Page-size verification: the smaps parser on smaps snippets in the kernel's
 * format (tests/fixtures/smaps/), pagemap/kpageflags decoding, and the
 * hugepage pool reservation + restore on a fake sysfs tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ib_buffer.h"

#define MAP 0x7f0000000000UL

static char *slurp(const char *name)
{
	static char buf[16384];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "tests/fixtures/smaps/%s", name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static uint64_t obtained(const char *file, const char *kind, uint64_t len,
			 char *why)
{
	struct ib_smaps_entry e;

	assert_int_equal(ib_smaps_parse(slurp(file), MAP + 4096, &e), 0);
	return ib_smaps_page_size(&e, kind, len, why, 512);
}

static void test_parse(void **state)
{
	struct ib_smaps_entry e;
	char *text = slurp("thp.smaps");

	assert_int_equal(ib_smaps_parse(text, MAP, &e), 0);
	assert_int_equal(e.start, MAP);
	assert_int_equal(e.size, 67584ULL * 1024);
	assert_int_equal(e.kernel_page_size, 4096);
	assert_int_equal(e.anon_huge, 64ULL << 20);
	/* the heap entry before it */
	assert_int_equal(ib_smaps_parse(text, 0x55807a157000UL + 10, &e), 0);
	assert_int_equal(e.size, 132 * 1024);
	assert_int_equal(ib_smaps_parse(text, 0x1000, &e), -1);
}

static void test_page_sizes(void **state)
{
	char why[512];

	assert_int_equal(obtained("4k.smaps", "4k", 64 << 20, why), 4096);
	assert_string_equal(why, "");
	assert_int_equal(obtained("thp.smaps", "thp", 64 << 20, why), 2 << 20);
	assert_string_equal(why, "");
	assert_int_equal(obtained("2m.smaps", "2m", 64 << 20, why), 2 << 20);
	assert_string_equal(why, "");
	assert_int_equal(obtained("1g.smaps", "1g", 1 << 30, why), 1 << 30);
	assert_string_equal(why, "");
}

static void test_not_obtained(void **state)
{
	char why[512];

	assert_int_equal(obtained("thp-partial.smaps", "thp", 64 << 20, why), 4096);
	assert_string_equal(why, "page_size=thp: only 12288 of 65536 KiB backed by transparent huge pages");
	assert_int_equal(obtained("4k-thp-crept.smaps", "4k", 64 << 20, why), 2 << 20);
	assert_non_null(strstr(why, "page_size=4k: obtained 2097152-byte pages"));
	assert_int_equal(obtained("4k.smaps", "2m", 64 << 20, why), 4096);
	assert_non_null(strstr(why, "page_size=2m: obtained 4096-byte pages"));
	assert_int_equal(obtained("2m.smaps", "1g", 64 << 20, why), 2 << 20);
	assert_non_null(strstr(why, "KernelPageSize 2048 kB"));
}

static void test_pagemap(void **state)
{
	uint64_t pfn;

	assert_true(ib_pagemap_pfn((1ULL << 63) | 0x12345, &pfn));
	assert_int_equal(pfn, 0x12345);
	assert_false(ib_pagemap_pfn(0x12345, &pfn));
	assert_int_equal(ib_kpageflags_size(1ULL << 22 | 1ULL << 15, 0), 2 << 20); /* THP head */
	assert_int_equal(ib_kpageflags_size(1ULL << 17 | 1ULL << 16, 1 << 30), 1 << 30); /* hugetlb tail */
	assert_int_equal(ib_kpageflags_size(1ULL << 5, 0), 4096); /* plain LRU page */
	assert_int_equal(ib_page_size_bytes("thp"), 2 << 20);
	assert_int_equal(ib_page_size_bytes("1g"), 1 << 30);
}

static void put(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(v, f);
	fclose(f);
}

static void test_reserve_restore(void **state)
{
	char root[] = "/tmp/ib-test-sysfs-XXXXXX", dir[512], path[600], why[512], buf[32];
	FILE *f;

	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/sys/devices/system/node/node0/hugepages/hugepages-2048kB", root);
	snprintf(path, sizeof(path), "mkdir -p %s", dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	put(path, "3\n");
	snprintf(path, sizeof(path), "%s/free_hugepages", dir);
	put(path, "40\n"); /* a fake tree does not react to writes: claim enough */
	snprintf(ib_sysfs_root, sizeof(ib_sysfs_root), "%s", root);
	snprintf(path, sizeof(path), "%s/state", root); /* not /run/iommubench */
	setenv("IOMMUBENCH_STATE_DIR", path, 1);
	assert_int_equal(ib_hugepages_reserve(0, 2 << 20, 32, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/free_hugepages", dir);
	put(path, "1\n");
	assert_int_equal(ib_hugepages_reserve(0, 2 << 20, 32, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "only 1 of 32 hugepages of 2048 kB could be reserved on node 0"));
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	f = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "34\n"); /* 3 + (32 - 1) */
	ib_hugepages_restore_all();
	f = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "3\n");
	assert_int_equal(ib_hugepages_reserve(5, 1 << 30, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no 1048576 kB hugepage pool on node 5"));
	ib_sysfs_root[0] = '\0';
	unsetenv("IOMMUBENCH_STATE_DIR");
	snprintf(path, sizeof(path), "rm -rf %s", root);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	      cmocka_unit_test(test_page_sizes),
		cmocka_unit_test(test_not_obtained),  cmocka_unit_test(test_pagemap),
		cmocka_unit_test(test_reserve_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
