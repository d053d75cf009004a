/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit-code vocabulary (contract): what every command returns and what
 * the run loop, the engines' run() and the row status map onto.  Tests map
 * IB_EXIT_SKIPPED to "skipped", as the kernel's kselftest does with KSFT_SKIP.
 */
#ifndef IB_EXIT_H
#define IB_EXIT_H

enum ib_exit {
	IB_EXIT_OK = 0,		/* everything asked for ran */
	IB_EXIT_USAGE = 1,	/* bad input: one line naming the field */
	IB_EXIT_FAILED = 2,	/* a benchmark failed, or the run was interrupted */
	IB_EXIT_RESOURCE = 3,	/* a resource is missing: no 1G pages, disk full */
	IB_EXIT_SKIPPED = 4,	/* not supported here */
};

#endif
