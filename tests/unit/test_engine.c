// SPDX-License-Identifier: GPL-2.0
/*
 * The engine descriptor's generic parts: metric names and the metrics
 * present (the row builder's guard against undeclared metrics), and the
 * per-engine option limits (min/max/allowed) checked for every engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ib_engine.h"

struct fake_opts {
	uint32_t xfer_size;
	uint8_t pattern;
	uint64_t duration;
};

#define O(field, id, ...) IB_EOPT(struct fake_opts, field, id, __VA_ARGS__)
static const struct ib_engine_opt fake_opts[] = {
	O(xfer_size, IB_O_XFER_SIZE, .min = 64, .max = 4095),
	O(pattern, IB_O_PATTERN, .allowed = "seq"),
	O(duration, IB_O_DURATION, .max = 2000),
	{ .id = IB_O_DIRECTION, .allowed = "to_device,from_device" },
	{ .id = IB_O_WINDOW },
};
#undef O

static const struct ib_engine fake = {
	.name = "fake",
	IB_ENGINE_OPTS(fake_opts),
	.opts_size = sizeof(struct fake_opts),
};

static int check(const char *key, const char *val, char *err, size_t len)
{
	struct ib_params p;

	ib_params_defaults(&p);
	if (key && ib_opt_set(&p, ib_opt_find(key), val, err, len))
		return -2;
	err[0] = '\0';
	return ib_engine_check(&fake, &p, err, len);
}

static void test_limits(void **state)
{
	char err[256];

	assert_int_equal(check(NULL, NULL, err, sizeof(err)), 0); /* defaults */
	assert_int_equal(check("xfer_size", "4095", err, sizeof(err)), 0);
	assert_int_equal(check("xfer_size", "8k", err, sizeof(err)), -1);
	assert_string_equal(err, "xfer_size=8k: engine fake takes at most 4095");
	assert_int_equal(check("xfer_size", "63", err, sizeof(err)), -1);
	assert_string_equal(err, "xfer_size=63: engine fake takes at least 64");
	assert_int_equal(check("pattern", "rand", err, sizeof(err)), -1);
	assert_string_equal(err, "pattern=rand: engine fake takes seq");
	assert_int_equal(check("direction", "bidir", err, sizeof(err)), -1);
	assert_string_equal(err, "direction=bidir: engine fake takes to_device or from_device");
	assert_int_equal(check("direction", "from_device", err, sizeof(err)), 0);
	assert_int_equal(check("duration", "3us", err, sizeof(err)), -1);
	assert_string_equal(err, "duration=3us: engine fake takes at most 2000ns");
	/* the contract's range is not widened: window keeps 4k.. */
	assert_int_equal(check("window", "2k", err, sizeof(err)), -2);
}

static void test_option_narrowed(void **state)
{
	struct ib_option o;

	ib_engine_option(&fake_opts[0], &o);
	assert_int_equal(o.min, 64);
	assert_int_equal(o.max, 4095);
	assert_string_equal(o.name, "xfer_size");
	ib_engine_option(&fake_opts[1], &o);
	assert_string_equal(o.allowed, "seq");
	ib_engine_option(&fake_opts[4], &o); /* no limits: the contract's */
	assert_int_equal(o.min, ib_options[IB_O_WINDOW].min);
	assert_int_equal(o.max, ib_options[IB_O_WINDOW].max);
}

static void test_edu_limit(void **state)
{
	struct ib_params p;
	char err[256];

	/* the registry's edu: a point above 4095 bytes per DMA is refused */
	ib_params_defaults(&p);
	assert_int_equal(ib_opt_set(&p, IB_O_ENGINE, "edu", err, sizeof(err)), 0);
	assert_int_equal(ib_opt_set(&p, IB_O_XFER_SIZE, "8192", err, sizeof(err)), 0);
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), -1);
	assert_string_equal(err, "xfer_size=8192: engine edu takes at most 4095");
	assert_int_equal(ib_opt_set(&p, IB_O_XFER_SIZE, "4095", err, sizeof(err)), 0);
	assert_int_equal(ib_params_validate(&p, err, sizeof(err)), 0);
}

static void test_metric_names(void **state)
{
	char buf[256];

	ib_engine_metric_names(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	ib_engine_metric_names(IB_MB(IB_M_PIN) | IB_MB_BANDWIDTH | IB_MB(IB_M_DMA_LATENCY),
			       buf, sizeof(buf));
	assert_string_equal(buf, "dma_latency_ns, pin_ns, bandwidth_bytes_per_s");
	ib_engine_metric_names(ib_engine_find("map")->metrics, buf, sizeof(buf));
	assert_string_equal(buf, "map_ns, unmap_ns, pin_ns");
	ib_engine_metric_names(IB_MB(IB_M_MAP) | IB_MB(IB_M_UNMAP), buf, 10);
	assert_int_equal(strlen(buf), 9); /* cut, never overrun */
}

static void test_metrics_present(void **state)
{
	struct ib_metric_data m[IB_M_MAX], bw;

	memset(m, 0, sizeof(m));
	memset(&bw, 0, sizeof(bw));
	assert_int_equal(ib_metrics_present(m, &bw), 0);
	assert_int_equal(ib_metric_push(&m[IB_M_OVERHEAD], 5), 0);
	m[IB_M_MAP].h_count = 1; /* histogram only counts too */
	assert_int_equal(ib_metrics_present(m, NULL),
			 IB_MB(IB_M_OVERHEAD) | IB_MB(IB_M_MAP));
	assert_int_equal(ib_metric_push(&bw, 1e9), 0);
	assert_int_equal(ib_metrics_present(m, &bw),
			 IB_MB(IB_M_OVERHEAD) | IB_MB(IB_M_MAP) | IB_MB_BANDWIDTH);
	/* what the null engine produces is what it declares */
	assert_int_equal(ib_metrics_present(m, NULL) & ~ib_engine_find("null")->metrics,
			 IB_MB(IB_M_MAP));
	m[IB_M_MAP].h_count = 0;
	ib_metric_free(&m[IB_M_OVERHEAD]);
	ib_metric_free(&bw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test(test_metrics_present),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_option_narrowed),
		cmocka_unit_test(test_edu_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
