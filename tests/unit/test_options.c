// SPDX-License-Identifier: GPL-2.0
/* The option table: parsers, messages naming the field, defaults, checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ib_counters.h"
#include "ib_engine.h"
#include "ib_options.h"
#include "ib_rowschema.h"

static void test_sizes(void **state)
{
	uint64_t v;

	assert_int_equal(ib_parse_size("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ib_parse_size("64m", &v), 0);
	assert_int_equal(v, 64ULL << 20);
	assert_int_equal(ib_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(ib_parse_size("2MiB", &v), 0);
	assert_int_equal(v, 2ULL << 20);
	assert_int_equal(ib_parse_size("123", &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(ib_parse_size("3x", &v), -1);
	assert_int_equal(ib_parse_size("", &v), -1);
	assert_int_equal(ib_parse_size("-1", &v), -1);
	assert_int_equal(ib_parse_size("99999999999999999999g", &v), -1);
}

static void test_durations(void **state)
{
	uint64_t v;

	assert_int_equal(ib_parse_duration("1s", &v), 0);
	assert_int_equal(v, 1000000000ULL);
	assert_int_equal(ib_parse_duration("200ms", &v), 0);
	assert_int_equal(v, 200000000ULL);
	assert_int_equal(ib_parse_duration("50us", &v), 0);
	assert_int_equal(v, 50000);
	assert_int_equal(ib_parse_duration("2", &v), 0);
	assert_int_equal(v, 2000000000ULL);
	assert_int_equal(ib_parse_duration("1.5s", &v), 0);
	assert_int_equal(v, 1500000000ULL);
	assert_int_equal(ib_parse_duration("1h", &v), -1);
}

static void test_messages(void **state)
{
	char err[512];
	struct ib_params p;

	ib_params_defaults(&p);
	assert_int_equal(ib_opt_set(&p, IB_O_PAGE_SIZE, "3m", err, sizeof(err)), -1);
	assert_string_equal(err, "page_size=3m: expected 4k, 2m, 1g or thp");
	assert_int_equal(ib_opt_set(&p, IB_O_PATTERN, "zigzag", err, sizeof(err)), -1);
	assert_string_equal(err, "pattern=zigzag: expected seq or rand");
	assert_int_equal(ib_opt_set(&p, IB_O_IOMMU_MODE, "strict", err, sizeof(err)), -1);
	assert_string_equal(err, "iommu_mode=strict: expected identity, dma-strict, dma-lazy, off or current");
	assert_int_equal(ib_opt_set(&p, IB_O_THREADS, "0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "threads=0: expected an integer 1..1024"));
	assert_int_equal(ib_opt_set(&p, IB_O_CPU_NODE, "near", err, sizeof(err)), -1);
	assert_string_equal(err, "cpu_node=near: expected a node id, local, remote or all");
	assert_int_equal(ib_opt_set(&p, IB_O_DEVICE, "00:03.0", err, sizeof(err)), -1);
	assert_int_equal(ib_opt_set(&p, IB_O_WINDOW, "1k", err, sizeof(err)), -1); /* < 4k */
	assert_int_equal(ib_opt_set(&p, IB_O_VERIFY, "2", err, sizeof(err)), -1);
	assert_int_equal(ib_opt_set(&p, IB_O_TARGET_CI, "0", err, sizeof(err)), -1);
	assert_int_equal(ib_opt_set(&p, IB_O_DURATION, "400s", err, sizeof(err)), -1);
}

static void test_set_and_defaults(void **state)
{
	char err[256];
	struct ib_params p;

	ib_params_defaults(&p);
	assert_string_equal(p.raw[IB_O_PAGE_SIZE], "4k");
	assert_string_equal(p.raw[IB_O_ENGINE], "null");
	assert_int_equal(p.u[IB_O_WINDOW], 2 << 20);
	assert_true(p.d[IB_O_TARGET_CI] == 1.0);
	assert_int_equal(p.node_kind[IB_O_CPU_NODE], IB_NODE_LOCAL);
	assert_int_equal(ib_opt_set(&p, IB_O_PAGE_SIZE, "thp", err, sizeof(err)), 0);
	assert_int_equal(p.u[IB_O_PAGE_SIZE], 3);
	assert_int_equal(ib_opt_set(&p, IB_O_MEM_NODE, "3", err, sizeof(err)), 0);
	assert_int_equal(p.node_kind[IB_O_MEM_NODE], IB_NODE_ID);
	assert_int_equal(p.u[IB_O_MEM_NODE], 3);
	assert_int_equal(ib_opt_set(&p, IB_O_DEVICE, "0000:00:03.0", err, sizeof(err)), 0);
	assert_int_equal(ib_opt_set(&p, IB_O_TARGET_CI, "0.5%", err, sizeof(err)), 0);
	assert_true(p.d[IB_O_TARGET_CI] == 0.5);
	assert_int_equal(ib_opt_set(&p, IB_O_PAPI_EVENTS, "PAPI_TOT_CYC,PAPI_TLB_DM", err, sizeof(err)), 0);
	assert_int_equal(p.u[IB_O_COUNTERS], IB_CTRS_AUTO); /* the default */
	assert_int_equal(ib_opt_set(&p, IB_O_COUNTERS, "inline", err, sizeof(err)), 0);
	assert_int_equal(p.u[IB_O_COUNTERS], IB_CTRS_INLINE);
	assert_int_equal(ib_opt_set(&p, IB_O_COUNTERS, "tracefs", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "auto, separate, inline or none"));
	assert_int_equal(ib_opt_set(&p, IB_O_LAYOUT, "fragmented", err, sizeof(err)), 0);
	assert_int_equal(ib_opt_set(&p, IB_O_LAYOUT, "random", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "as-is, contiguous or fragmented"));
}

static void test_find_and_split(void **state)
{
	char items[8][IB_VAL_LEN];

	assert_int_equal(ib_opt_find("page_size"), IB_O_PAGE_SIZE);
	assert_int_equal(ib_opt_find("page-size"), IB_O_PAGE_SIZE);
	assert_int_equal(ib_opt_find("nope"), -1);
	assert_int_equal(ib_opt_split(IB_O_PAGE_SIZE, "4k, 2m,1g", items, 8), 3);
	assert_string_equal(items[1], "2m");
	assert_int_equal(ib_opt_split(IB_O_PAPI_EVENTS, "A,B", items, 8), 1);
	assert_string_equal(items[0], "A,B");
}

/* Issue 8: a split never drops items.  It returns how many the value
 * holds (as snprintf does), empty items count, and ib_opt_count agrees. */
static void test_split_counts_everything(void **state)
{
	char items[2][IB_VAL_LEN], big[100 * 8];
	size_t off = 0;
	int i;

	for (i = 0; i < 100; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "%s%dk",
					i ? "," : "", 4 * (i + 1));
	assert_int_equal(ib_opt_split(IB_O_WINDOW, big, items, 2), 100);
	assert_string_equal(items[1], "8k");
	assert_int_equal(ib_opt_count(IB_O_WINDOW, big), 100);
	assert_int_equal(ib_opt_split(IB_O_PAGE_SIZE, "4k,,2m,", items, 2), 4);
	assert_string_equal(items[1], "");
	assert_int_equal(ib_opt_count(IB_O_PAGE_SIZE, ""), 1);
	assert_int_equal(ib_opt_count(IB_O_DESCRIPTION, "a, b, c"), 1);
}

/* max_points is a plan option: in the table (help, CLI), never a point
 * parameter, so it is not in a row's params. */
static void test_max_points_option(void **state)
{
	struct ib_params p;
	char err[256];

	assert_int_equal(ib_opt_find("max-points"), IB_O_MAX_POINTS);
	assert_true(ib_options[IB_O_MAX_POINTS].flags & IB_OPT_F_PLAN);
	assert_string_equal(ib_options[IB_O_MAX_POINTS].def, "10000");
	ib_params_defaults(&p);
	assert_string_equal(p.raw[IB_O_MAX_POINTS], "");
	assert_int_equal(ib_opt_check(IB_O_MAX_POINTS, "0", err, sizeof(err)), -1);
	assert_string_equal(err, "max_points=0: expected an integer 1..1000000");
}

/* The one page_size parser: every allowed token, nothing else. */
static void test_page_size_bytes(void **state)
{
	assert_int_equal(ib_page_size_bytes("4k"), 4096);
	assert_int_equal(ib_page_size_bytes("2m"), 2 << 20);
	assert_int_equal(ib_page_size_bytes("thp"), 2 << 20);
	assert_int_equal(ib_page_size_bytes("1g"), 1 << 30);
	assert_int_equal(ib_page_size_bytes("3m"), 0);
	assert_int_equal(ib_page_size_bytes(NULL), 0);
}

static void test_validate(void **state)
{
	char err[256];
	struct ib_params p;

	ib_params_defaults(&p);
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
	ib_opt_set(&p, IB_O_XFER_SIZE, "4m", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "xfer_size=4m: must not exceed window=2m");
	ib_params_defaults(&p);
	ib_opt_set(&p, IB_O_ENGINE, "edu", err, sizeof(err));
	ib_opt_set(&p, IB_O_XFER_SIZE, "4096", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	ib_params_defaults(&p);
	ib_opt_set(&p, IB_O_OP, "isolation", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "op=isolation"));
	ib_params_defaults(&p);
	ib_opt_set(&p, IB_O_MIN_REPS, "50", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
}

/* device=/dev/NAME (issue 13): confined to /dev by its shape, and only for
 * engines that take a block device (nvme); every other engine refuses it. */
/* Engine parameters (issue 21 §2): declared in the engine's table, given
 * ids after the core options at start-up, in registry order (map's batch,
 * then nvme's iodepth, then vfio's backend). */
static void test_engine_params(void **state)
{
	int batch = ib_opt_find("batch"), depth = ib_opt_find("iodepth"),
	    backend = ib_opt_find("vfio-backend"), id, used = 0;
	struct ib_option o = { "iodepth", IB_OPT_UINT, 0, 1, 2, "", NULL, "again" };
	struct ib_params p;
	char err[256];

	(void)state;
	assert_int_equal(batch, IB_O_EPARAM_FIRST);
	assert_int_equal(depth, IB_O_EPARAM_FIRST + 1);
	assert_int_equal(backend, IB_O_EPARAM_FIRST + 2);
	assert_true(ib_engine_takes(ib_engine_find("map"), batch));
	assert_false(ib_engine_takes(ib_engine_find("edu"), batch));
	assert_true(ib_engine_takes(ib_engine_find("nvme"), depth));
	assert_false(ib_engine_takes(ib_engine_find("edu"), depth));
	assert_true(ib_engine_takes(ib_engine_find("vfio"), backend));
	assert_string_equal(ib_options[depth].help, "outstanding I/Os (nvme; default 1)");
	assert_int_equal(ib_opt_register(&o), depth); /* a name already there */
	for (id = 0; id < IB_O_MAX; id++)
		used += ib_opt_used(id);
	/* map's batch, nvme's iodepth, vfio's backend, net's netdev and msg_size */
	assert_int_equal(used, IB_O_EPARAM_FIRST + 5);
	assert_true(ib_engine_takes(ib_engine_find("net"), ib_opt_find("msg-size")));
	assert_false(ib_engine_takes(ib_engine_find("nvme"), ib_opt_find("netdev")));
	assert_false(ib_opt_used(IB_O_MAX - 1));
	assert_int_equal(ib_opt_find(""), -1);
	assert_int_equal(ib_opt_check(IB_O_MAX - 1, "x", err, sizeof(err)), -1);
	ib_params_defaults(&p);
	assert_int_equal(ib_opt_set(&p, backend, "iommufd", err, sizeof(err)), 0);
	assert_int_equal(p.u[backend], 1);
	assert_int_equal(ib_opt_set(&p, depth, "5000", err, sizeof(err)), -1);
}

/* map's batch (issue 22 §6): 1..65536, one line naming batch and the
 * range; the window must hold batch buffers of granule pages, and threads
 * x batch x granule pages at most 1 GiB; rows get params.batch (an integer
 * in the typed view, no CSV column). */
static void test_map_batch(void **state)
{
	int batch = ib_opt_find("batch"), f = ib_row_field_find("batch");
	struct ib_params p;
	char err[256];

	(void)state;
	assert_true(batch >= IB_O_EPARAM_FIRST);
	ib_params_defaults(&p);
	assert_int_equal(p.u[batch], 0); /* unset: the pairs */
	assert_int_equal(ib_opt_set(&p, batch, "0", err, sizeof(err)), -1);
	assert_string_equal(err, "batch=0: expected an integer 1..65536");
	assert_int_equal(ib_opt_set(&p, batch, "65537", err, sizeof(err)), -1);
	assert_string_equal(err, "batch=65537: expected an integer 1..65536");
	assert_int_equal(ib_opt_set(&p, batch, "-1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "batch=-1: expected an integer 1..65536"));
	ib_opt_set(&p, IB_O_ENGINE, "map", err, sizeof(err));
	assert_int_equal(ib_opt_set(&p, batch, "65536", err, sizeof(err)), 0);
	assert_int_equal(p.u[batch], 65536);
	/* the default 2m window holds 512 buffers of one page */
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "batch=65536: 65536 buffers of granule=1 4 KiB pages need 268435456 bytes, above window=2m");
	ib_opt_set(&p, batch, "512", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
	ib_opt_set(&p, batch, "513", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	ib_opt_set(&p, IB_O_WINDOW, "256m", err, sizeof(err));
	ib_opt_set(&p, batch, "65536", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
	ib_opt_set(&p, IB_O_THREADS, "5", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "batch=65536: threads=5 x 268435456 bytes mapped at once, above 1073741824 (1 GiB)");
	ib_opt_set(&p, IB_O_THREADS, "4", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
	/* batch=1 is today's pairs: no batch bound applies */
	ib_opt_set(&p, batch, "1", err, sizeof(err));
	ib_opt_set(&p, IB_O_THREADS, "1024", err, sizeof(err));
	ib_opt_set(&p, IB_O_GRANULE, "512", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
	/* other engines do not take it (the plan refuses the key:
	 * tests/host/test_map_batch.sh) */
	assert_false(ib_engine_takes(ib_engine_find("nvme"), batch));
	assert_true(f >= IB_F_EPARAM_FIRST && f < IB_F_MAX);
	assert_false(ib_row_fields[f].flags & (IB_FF_CSV_PRE | IB_FF_CSV_POST));
}

/* nvme's row-schema field for iodepth (struct ib_engine_opt .field): an
 * engine slot of the row schema, read through the typed view. */
static void test_engine_row_field(void **state)
{
	int f = ib_row_field_find("iodepth");
	json_t *doc = json_pack("{s:{},s:[{s:s,s:{s:i}},{s:s,s:{}}]}", "context", "results",
				"name", "a", "params", "iodepth", 8, "name", "b", "params");
	struct ib_row_field dup = { .name = "iodepth", .view = IB_V_STR };
	struct ib_run run;
	char err[128];

	(void)state;
	assert_true(f >= IB_F_EPARAM_FIRST && f < IB_F_MAX);
	assert_false(ib_row_fields[f].flags & (IB_FF_CSV_PRE | IB_FF_CSV_POST));
	assert_int_equal(ib_row_field_register(&dup), f); /* a name already there */
	assert_int_equal(ib_run_view(&run, doc, err, sizeof(err)), 0);
	assert_int_equal(ib_row_int(&run.rows[0], f), 8);
	assert_int_equal(ib_row_int(&run.rows[1], f), -1);
	assert_int_equal(ib_row_int(&run.rows[0], IB_F_NAME), -1); /* not an integer view */
	assert_int_equal(ib_row_int(&run.rows[0], -1), -1);
	/* vfio_backend declares no field: it gets a plain text one */
	f = ib_row_field_find("vfio_backend");
	assert_true(f >= IB_F_EPARAM_FIRST && f < IB_F_MAX);
	assert_int_equal(ib_row_fields[f].type, IB_FT_STR);
	assert_int_equal(ib_row_fields[f].view, IB_V_NONE);
	assert_false(ib_row_fields[f].flags & (IB_FF_CSV_PRE | IB_FF_CSV_POST));
	ib_run_free(&run);
	json_decref(doc);
}

/* The write side reads the schema: every option has its row-schema field,
 * of the JSON type the option's value takes (set_params, core/point.c). */
static void test_every_option_has_field(void **state)
{
	int id, f, n = 0;

	(void)state;
	for (id = 0; id < IB_O_MAX; id++) {
		const struct ib_option *o = &ib_options[id];

		if (!o->name)
			continue;
		f = ib_row_field_find(o->name);
		if (f < 0)
			fail_msg("option %s has no row-schema field", o->name);
		assert_true(ib_row_fields[f].flags & IB_FF_REQUESTED);
		if (o->type == IB_OPT_NODE)
			assert_int_equal(ib_row_fields[f].type, IB_FT_NODE);
		else if (o->type == IB_OPT_SIZE || o->type == IB_OPT_UINT)
			assert_true(ib_row_fields[f].type == IB_FT_INT ||
				    ib_row_fields[f].type == IB_FT_NUM);
		else
			assert_int_equal(ib_row_fields[f].type, IB_FT_STR);
		n++;
	}
	assert_true(n >= IB_O_EPARAM_FIRST); /* the core options and the engines' */
}

static void test_device_path(void **state)
{
	char err[256];
	struct ib_params p;

	assert_true(ib_device_path("/dev/nvme0n1"));
	assert_true(ib_device_path("/dev/nvme0n1p2"));
	assert_false(ib_device_path("/dev/../etc/passwd"));
	assert_false(ib_device_path("/dev/.hidden"));
	assert_false(ib_device_path("/dev/a/b"));
	assert_false(ib_device_path("/dev/"));
	assert_false(ib_device_path("/tmp/nvme0n1"));
	assert_false(ib_device_path("/dev/nvme0n1;reboot"));
	assert_int_equal(ib_opt_check(IB_O_DEVICE, "/dev/x y", err, sizeof(err)), -1);
	ib_params_defaults(&p);
	ib_opt_set(&p, IB_O_ENGINE, "nvme", err, sizeof(err));
	ib_opt_set(&p, IB_O_XFER_SIZE, "4k", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "device=auto: engine nvme expects a block device such as /dev/nvme0n1");
	assert_int_equal(ib_opt_set(&p, IB_O_DEVICE, "/dev/nvme0n1", err, sizeof(err)), 0);
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
	ib_opt_set(&p, IB_O_XFER_SIZE, "1000", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "xfer_size=1000: engine nvme reads multiples of 512 bytes");
	ib_opt_set(&p, IB_O_XFER_SIZE, "1m", err, sizeof(err));
	ib_opt_set(&p, ib_opt_find("iodepth"), "4", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "iodepth=4: the window holds only 2 reads"));
	ib_params_defaults(&p);
	ib_opt_set(&p, IB_O_ENGINE, "edu", err, sizeof(err));
	ib_opt_set(&p, IB_O_DEVICE, "/dev/nvme0n1", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "device=/dev/nvme0n1: engine edu expects a PCI address such as 0000:00:03.0, or auto");
	ib_params_defaults(&p);
	ib_opt_set(&p, IB_O_ENGINE, "vfio", err, sizeof(err));
	ib_opt_set(&p, IB_O_OP, "bench", err, sizeof(err));
	ib_opt_set(&p, IB_O_XFER_SIZE, "4096", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "xfer_size=4096: edu DMAs (op=bench) take at most 4095");
	ib_opt_set(&p, IB_O_OP, "map", err, sizeof(err));
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes), cmocka_unit_test(test_page_size_bytes),	  cmocka_unit_test(test_durations),
		cmocka_unit_test(test_messages),  cmocka_unit_test(test_set_and_defaults),
		cmocka_unit_test(test_find_and_split), cmocka_unit_test(test_validate),
		cmocka_unit_test(test_split_counts_everything),
		cmocka_unit_test(test_max_points_option), cmocka_unit_test(test_device_path),
		cmocka_unit_test(test_engine_params), cmocka_unit_test(test_engine_row_field),
		cmocka_unit_test(test_map_batch),
		cmocka_unit_test(test_every_option_has_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
