// SPDX-License-Identifier: GPL-2.0
/*
 * What findings.c (the build, the rows written, the printout) and
 * findings_rules.c (the kinds, one function each) share.  Internal to output/.
 */
#ifndef IB_FINDINGS_INT_H
#define IB_FINDINGS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ib_results.h"

struct out {
	json_t *rows; /* the finding rows */
	json_t *names; /* their names, to keep them unique */
	const struct ib_run *run;
	bool lab;
};

/* findings_rules.c */
const char *num3(double v, char *b, size_t n);
/* "<engine> <device>" of row r, or of the row a derived r names
 * (params.knee_row): the device a finding speaks of; "" when none. */
const char *device_label(const struct ib_run *run, const struct ib_row *r, char *b, size_t n);
void reach_findings(struct out *o);
void misses_findings(struct out *o);
void unmap_findings(struct out *o);
/* net: strict invalidations per packet and pps against identity */
void net_findings(struct out *o);
void numa_findings(struct out *o);
void isolation_finding(struct out *o);

/* derive_penalty.c */
void penalty_findings(struct out *o);

#endif
