// SPDX-License-Identifier: GPL-2.0
/*
 * The engine descriptor's generic parts: metric names and the metrics
 * present (the row builder's guard against undeclared metrics).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ib_engine.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
