// SPDX-License-Identifier: GPL-2.0
/* Topology from an XML fixture: 2 packages x 2 NUMA nodes, GPU on node 1,
 * NIC on node 2 (tests/fixtures/topology/2pkg-4numa-gpu-nic.xml). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ib_topology.h"

#define FIXTURE "tests/fixtures/topology/2pkg-4numa-gpu-nic.xml"

static struct ib_topo t;

static int setup(void **state)
{
	char err[256];

	return ib_topo_load(&t, FIXTURE, err, sizeof(err));
}

static int teardown(void **state)
{
	ib_topo_free(&t);
	return 0;
}

static void test_nodes(void **state)
{
	uint32_t cpus[8];
	int i;

	assert_int_equal(t.nnodes, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(t.node[i], i);
		assert_true(t.has_cpu[i]);
		assert_true(t.has_mem[i]);
	}
	assert_int_equal(ib_topo_node_cpus(&t, 1, cpus, 8), 2);
	assert_int_equal(cpus[0], 2);
	assert_int_equal(cpus[1], 3);
	assert_int_equal(ib_topo_first_cpu_node(&t), 0);
}

static void test_distances(void **state)
{
	assert_true(t.dist_from_os);
	assert_int_equal(ib_topo_distance(&t, 0, 0), 10);
	assert_int_equal(ib_topo_distance(&t, 0, 1), 12);
	assert_int_equal(ib_topo_distance(&t, 1, 2), 20);
	assert_int_equal(ib_topo_distance(&t, 3, 2), 12);
	assert_int_equal(ib_topo_distance(&t, 0, 9), 0);
	/* farthest other node: first of the equally far ones */
	assert_int_equal(ib_topo_remote(&t, 1, true), 2);
	assert_int_equal(ib_topo_remote(&t, 3, false), 0);
}

static void test_devices(void **state)
{
	const struct ib_topo_dev *gpu = ib_topo_find_dev(&t, "0000:41:00.0");
	const struct ib_topo_dev *nic = ib_topo_find_dev(&t, "0000:81:00.0");
	struct ib_topo_dev edu = { .bdf = "0000:00:03.0", .node = -1, .engines = 3 };

	assert_non_null(gpu);
	assert_non_null(nic);
	assert_string_equal(gpu->kind, "gpu");
	assert_int_equal(gpu->node, 1);
	assert_int_equal(gpu->vendor, 0x10de);
	assert_string_equal(nic->kind, "nic");
	assert_int_equal(nic->node, 2);
	assert_null(ib_topo_find_dev(&t, "0000:00:03.0"));
	ib_topo_add_dev(&t, &edu);
	assert_int_equal(ib_topo_find_dev(&t, "0000:00:03.0")->engines, 3);
}

static void test_single_node(void **state)
{
	struct ib_topo one;
	char err[256];

	/* a synthetic machine with one node has no remote node */
	setenv("HWLOC_SYNTHETIC", "pack:1 [numa] core:2 pu:1", 1);
	assert_int_equal(ib_topo_load(&one, NULL, err, sizeof(err)), 0);
	unsetenv("HWLOC_SYNTHETIC");
	assert_int_equal(one.nnodes, 1);
	assert_int_equal(ib_topo_remote(&one, one.node[0], false), -1);
	ib_topo_free(&one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_distances),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_single_node),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
