// SPDX-License-Identifier: GPL-2.0
/*
 * The report's findings: the finding rows of results.json, else computed
 * in memory from the report's typed view, and the texts the figures quote
 * from them.  Part of `iommubench report` (report.c; docs/report.md); it
 * calls nothing in report.c, report_html.c or the figures (no circle).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ib_findings.h"
#include "ib_report.h"
#include "ib_results.h"

#include "report_int.h"

static bool finding_row(json_t *row)
{
	const char *n = json_string_value(json_object_get(row, "name"));

	return n && !strcmp(json_string_value(json_object_get(row, "run_type")) ?: "", "derived") &&
	       !strncmp(n, IB_FINDING_PREFIX, strlen(IB_FINDING_PREFIX));
}

/* results.json's finding rows; a run derived before there were findings
 * gets them computed here, in memory (the report says so). */
void rp_load_findings(struct report *R)
{
	json_t *row, *built;
	size_t i;

	R->findings = json_array();
	json_array_foreach(json_object_get(R->doc, "results"), i, row)
		if (finding_row(row))
			json_array_append(R->findings, row);
	if (json_array_size(R->findings))
		return;
	built = ib_findings_build_run(&R->run);
	if (built && json_array_size(built)) {
		json_decref(R->findings);
		R->findings = built;
		R->findings_computed = true;
		return;
	}
	json_decref(built);
}

void rp_findings_text(const struct report *R, const char *const *prefixes, char *buf, size_t len)
{
	json_t *row;
	size_t i, off = 0;

	buf[0] = '\0';
	for (; *prefixes; prefixes++)
		json_array_foreach(R->findings, i, row) {
			const char *n = json_string_value(json_object_get(row, "name"));
			const char *t = json_string_value(json_object_get(row, "finding"));

			if (n && t && !strncmp(n, *prefixes, strlen(*prefixes)) && off < len)
				off += (size_t)fmt(buf + off, len - off, "%s%s", off ? "; " : "", t);
		}
}
