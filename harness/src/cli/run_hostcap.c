// SPDX-License-Identifier: GPL-2.0
/*
 * `iommubench run --suite S --host-capable`: which of the suite's rows this
 * host can run without the lab, asked by scripts/run.sh for TARGET=auto
 * (device-first runs, docs/harness.md "Where a suite runs").  A row counts
 * when its engine drives a device without the module (IB_ENG_HOST_DEVICE:
 * cuda with a driver and a device, nvme with a free namespace, vfio where
 * an IOMMU is visible) and the engine's own checks pass; cpu baselines and
 * module rows do not.  One line per such row on stdout ("host" or "no",
 * the row, the engine and device or the reason), then a summary line;
 * exit 0 when at least one row can run, 4 when none can.  Nothing is
 * measured, nothing is bound or changed.
 */
#include <stdio.h>
#include <string.h>

#include "ib_engine.h"
#include "ib_exit.h"
#include "ib_plan.h"
#include "ib_visibility.h"
#include "run_int.h"

#define MAX_ENGINES 8

struct eng_tally {
	const char *name;
	int ok, no;
	char why[300]; /* the first row's reason it cannot run */
};

static struct eng_tally *tally_of(struct eng_tally *t, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	if (*n == MAX_ENGINES)
		return NULL;
	memset(&t[*n], 0, sizeof(t[*n]));
	t[*n].name = name;
	return &t[(*n)++];
}

/* Whether this host can run pt; why (or bdf) says how. */
static bool row_capable(const struct ib_engine *e, const struct ib_point *pt, char *bdf,
			size_t blen, char *why, size_t wlen)
{
	bdf[0] = why[0] = '\0';
	if (pt->skip[0]) {
		snprintf(why, wlen, "%s", pt->skip);
		return false;
	}
	if ((e->flags & IB_ENG_NEEDS_IOMMU) && !ib_visibility_units()) {
		snprintf(why, wlen, "no IOMMU visible (/sys/class/iommu is empty)");
		return false;
	}
	if (e->supported && e->supported(pt, why, wlen))
		return false;
	if (e->pci_device && e->pci_device(pt, bdf, blen, why, wlen) != IB_EXIT_OK) {
		bdf[0] = '\0';
		return false;
	}
	return true;
}

int run_host_capable(const struct ib_plan *plan)
{
	struct eng_tally t[MAX_ENGINES], *s;
	char bdf[64], why[1100], sum[1024];
	int i, n = 0, ok = 0, module = 0;
	size_t off = 0;

	for (i = 0; i < plan->n; i++) {
		const struct ib_point *pt = &plan->pts[i];
		const struct ib_engine *e = ib_engine_of(&pt->p);

		if (!e)
			continue;
		if (!(e->flags & IB_ENG_HOST_DEVICE)) {
			module += !!(e->flags & IB_ENG_NEEDS_MODULE);
			continue;
		}
		if (!(s = tally_of(t, &n, e->name)))
			continue;
		if (row_capable(e, pt, bdf, sizeof(bdf), why, sizeof(why))) {
			s->ok++;
			ok++;
			printf("host\t%s\t%s%s%s\n", pt->name, e->name, bdf[0] ? " " : "", bdf);
		} else {
			s->no++;
			if (!s->why[0])
				snprintf(s->why, sizeof(s->why), "%s", why);
			printf("no\t%s\t%s\n", pt->name, why);
		}
	}
	for (i = 0; i < n && off < sizeof(sum); i++) {
		int w;

		if (ok && !t[i].ok)
			continue; /* the summary names what runs */
		w = ok ? snprintf(sum + off, sizeof(sum) - off, "%s%s %d", off ? ", " : "",
				      t[i].name, t[i].ok) :
			     snprintf(sum + off, sizeof(sum) - off, "%s%s: %s", off ? "; " : "",
				      t[i].name, t[i].why);

		off += w > 0 ? (size_t)w : 0;
	}
	if (ok)
		printf("host-capable: %d device row%s (%s); %d module row%s\n", ok,
		       ok == 1 ? "" : "s", sum, module, module == 1 ? "" : "s");
	else
		printf("host-capable: none (%s)\n", n ? sum : "no cuda, nvme or vfio rows");
	return ok ? IB_EXIT_OK : IB_EXIT_SKIPPED;
}
