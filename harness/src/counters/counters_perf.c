// SPDX-License-Identifier: GPL-2.0
/*
 * perf IOMMU PMU counters: Intel VT-d perfmon units (dmar*,
 * drivers/iommu/intel/perfmon.c) and AMD IOMMU PMUs (amd_iommu_*,
 * arch/x86/events/amd/iommu.c), discovered under
 * <sysfs_root>/sys/bus/event_source/devices/.  Each PMU's type, format/ and
 * events/ files are parsed the way perf does, the event terms are encoded
 * into attr.config/config1/config2 and the events are opened system-wide on
 * the PMU's cpumask CPU with perf_event_open().
 *
 * Mapping to the common names (docs/architecture.md):
 *   Intel: iotlb_lookup, iotlb_hit as such; ctx_cache_hit = ctxt_cache_hit;
 *          iotlb_miss = iotlb_lookup - iotlb_hit (DERIVED: VT-d perfmon has
 *          no miss event); ctx_cache_miss = ctxt_cache_lookup -
 *          ctxt_cache_hit (DERIVED).
 *   AMD:   iotlb_hit = mem_iommu_tlb_pte_hit, iotlb_miss =
 *          mem_iommu_tlb_pte_mis, iotlb_lookup = hit + miss (DERIVED);
 *          ctx_cache_hit/miss = mem_dte_hit/mis (the device table entry
 *          cache plays the context cache's role); iommu_invalidations =
 *          tlb_inv.
 * Several units of one kind (dmar0, dmar1, ...) are summed; the source
 * names them all, e.g. "perf:dmar0+dmar1/iotlb_lookup".  Anything that
 * cannot be opened goes to counters_unavailable with the errno reason.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counters_sources.h"
#include "ib_fileio.h"

#define MAX_PMUS 16
#define MAX_RAW 8

enum pmu_kind { KIND_INTEL, KIND_AMD, NKINDS };

struct derived {
	const char *common;
	const char *a, *b; /* raw event names; b may be NULL */
	int op;		   /* 0: a, '-': a - b, '+': a + b */
};

static const struct kind_desc {
	const char *prefix;
	const char *raw[MAX_RAW];
	struct derived out[8];
} kinds[NKINDS] = {
	[KIND_INTEL] = {
		.prefix = "dmar",
		.raw = { "iotlb_lookup", "iotlb_hit", "ctxt_cache_lookup",
			 "ctxt_cache_hit" },
		.out = {
			{ "iotlb_lookup", "iotlb_lookup", NULL, 0 },
			{ "iotlb_hit", "iotlb_hit", NULL, 0 },
			{ "iotlb_miss", "iotlb_lookup", "iotlb_hit", '-' },
			{ "ctx_cache_hit", "ctxt_cache_hit", NULL, 0 },
			{ "ctx_cache_miss", "ctxt_cache_lookup", "ctxt_cache_hit", '-' },
		},
	},
	[KIND_AMD] = {
		.prefix = "amd_iommu_",
		.raw = { "mem_iommu_tlb_pte_hit", "mem_iommu_tlb_pte_mis",
			 "mem_dte_hit", "mem_dte_mis", "tlb_inv" },
		.out = {
			{ "iotlb_hit", "mem_iommu_tlb_pte_hit", NULL, 0 },
			{ "iotlb_miss", "mem_iommu_tlb_pte_mis", NULL, 0 },
			{ "iotlb_lookup", "mem_iommu_tlb_pte_hit", "mem_iommu_tlb_pte_mis", '+' },
			{ "ctx_cache_hit", "mem_dte_hit", NULL, 0 },
			{ "ctx_cache_miss", "mem_dte_mis", NULL, 0 },
			{ "iommu_invalidations", "tlb_inv", NULL, 0 },
		},
	},
};

/* ---------------- sysfs parsing, as perf does it ---------------- */

int ib_pmu_parse_format(const char *s, int *field, uint64_t *mask)
{
	const char *p;
	char *end;
	unsigned long lo, hi;

	if (!strncmp(s, "config2:", 8)) {
		*field = 2;
		p = s + 8;
	} else if (!strncmp(s, "config1:", 8)) {
		*field = 1;
		p = s + 8;
	} else if (!strncmp(s, "config:", 7)) {
		*field = 0;
		p = s + 7;
	} else {
		return -1;
	}
	*mask = 0;
	for (;;) {
		errno = 0;
		lo = strtoul(p, &end, 10);
		if (end == p || errno)
			return -1;
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			hi = strtoul(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
		if (hi < lo || hi > 63)
			return -1;
		for (; lo <= hi; lo++)
			*mask |= 1ULL << lo;
		if (*p != ',')
			break;
		p++;
	}
	while (*p == '\n' || *p == ' ')
		p++;
	return *p ? -1 : 0;
}

static int cmp_fmt(const void *a, const void *b)
{
	return strcmp(((const struct ib_pmu_format *)a)->name,
		      ((const struct ib_pmu_format *)b)->name);
}

static int cmp_ev(const void *a, const void *b)
{
	return strcmp(((const struct ib_pmu_event *)a)->name,
		      ((const struct ib_pmu_event *)b)->name);
}

int ib_pmu_load(const char *dir, const char *name, struct ib_pmu *pmu,
		char *err, size_t errlen)
{
	char path[4096], buf[256];
	struct dirent *de;
	DIR *d = NULL;
	char *end;

	memset(pmu, 0, sizeof(*pmu));
	snprintf(pmu->name, sizeof(pmu->name), "%s", name);
	snprintf(path, sizeof(path), "%s/type", dir);
	if (ib_read_file(path, buf, sizeof(buf))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pmu->type = (int)strtol(buf, &end, 10);
	if (end == buf || *end) {
		snprintf(err, errlen, "%s: '%s': expected an integer", path, buf);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cpumask", dir);
	if (!ib_read_file(path, buf, sizeof(buf)))
		pmu->cpu = atoi(buf); /* "0" or "0-3": the first CPU */

	snprintf(path, sizeof(path), "%s/format", dir);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct ib_pmu_format *f;
		char fpath[4200];

		if (de->d_name[0] == '.' || pmu->nformats >= IB_PMU_MAX_FORMATS)
			continue;
		f = &pmu->fmt[pmu->nformats];
		if (snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name) >=
			    (int)sizeof(fpath) ||
		    snprintf(f->name, sizeof(f->name), "%s", de->d_name) >=
			    (int)sizeof(f->name))
			continue;
		if (ib_read_file(fpath, buf, sizeof(buf)) ||
		    ib_pmu_parse_format(buf, &f->field, &f->mask)) {
			snprintf(err, errlen, "%s: '%s': expected config[12]:lo-hi",
				 fpath, buf);
			closedir(d);
			return -1;
		}
		pmu->nformats++;
	}
	closedir(d);

	snprintf(path, sizeof(path), "%s/events", dir);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d))) {
			struct ib_pmu_event *e;
			char fpath[4200];

			if (de->d_name[0] == '.' || pmu->nevents >= IB_PMU_MAX_EVENTS)
				continue;
			/* perf's .scale/.unit companions are not events */
			if (strchr(de->d_name, '.'))
				continue;
			e = &pmu->ev[pmu->nevents];
			if (snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name) >=
				    (int)sizeof(fpath) ||
			    snprintf(e->name, sizeof(e->name), "%s", de->d_name) >=
				    (int)sizeof(e->name))
				continue;
			if (ib_read_file(fpath, e->terms, sizeof(e->terms)))
				continue;
			pmu->nevents++;
		}
		closedir(d);
	}
	/* readdir order is arbitrary: sort for reproducible output */
	qsort(pmu->fmt, (size_t)pmu->nformats, sizeof(pmu->fmt[0]), cmp_fmt);
	qsort(pmu->ev, (size_t)pmu->nevents, sizeof(pmu->ev[0]), cmp_ev);
	return 0;
}

const struct ib_pmu_event *ib_pmu_event(const struct ib_pmu *pmu,
					const char *name)
{
	int i;

	for (i = 0; i < pmu->nevents; i++)
		if (!strcmp(pmu->ev[i].name, name))
			return &pmu->ev[i];
	return NULL;
}

/* Scatters the bits of val into the set bits of mask, low to high (perf's
 * pmu_format_value()).  -1 when val does not fit. */
static int scatter(uint64_t val, uint64_t mask, uint64_t *out)
{
	int bit;

	for (bit = 0; bit < 64 && val; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		if (val & 1)
			*out |= 1ULL << bit;
		val >>= 1;
	}
	return val ? -1 : 0;
}

int ib_pmu_encode(const struct ib_pmu *pmu, const char *terms, uint64_t cfg[3],
		  char *err, size_t errlen)
{
	char *copy = strdup(terms), *save = NULL, *tok, *eq, *end;
	int ret = -1, i;

	cfg[0] = cfg[1] = cfg[2] = 0;
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t val = 1; /* a bare term means 1, as in perf */
		const struct ib_pmu_format *f = NULL;

		while (*tok == ' ')
			tok++;
		eq = strchr(tok, '=');
		if (eq) {
			*eq = 0;
			errno = 0;
			val = strtoull(eq + 1, &end, 0);
			if (end == eq + 1 || *end || errno) {
				snprintf(err, errlen, "%s: %s=%s: expected a number",
					 pmu->name, tok, eq + 1);
				goto out;
			}
		}
		if (!strcmp(tok, "config") || !strcmp(tok, "config1") ||
		    !strcmp(tok, "config2")) {
			cfg[tok[6] ? tok[6] - '0' : 0] = val;
			continue;
		}
		for (i = 0; i < pmu->nformats; i++)
			if (!strcmp(pmu->fmt[i].name, tok))
				f = &pmu->fmt[i];
		if (!f) {
			snprintf(err, errlen, "%s: term '%s' has no format/ entry",
				 pmu->name, tok);
			goto out;
		}
		if (scatter(val, f->mask, &cfg[f->field])) {
			snprintf(err, errlen, "%s: %s=0x%llx does not fit its format",
				 pmu->name, tok, (unsigned long long)val);
			goto out;
		}
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/* ---------------- the counter source ---------------- */

struct perf_ev {
	int fd;
	int kind, raw; /* index into kinds[kind].raw */
};

struct perf_src {
	int nev;
	struct perf_ev ev[MAX_PMUS * MAX_RAW];
	/* per kind: "dmar0+dmar1" and which raw events opened on every unit */
	char units[NKINDS][IB_COUNTER_SOURCE_LEN / 2];
	int nunits[NKINDS];
	int raw_ok[NKINDS][MAX_RAW];
};

static int pmu_kind(const char *name)
{
	int k;

	for (k = 0; k < NKINDS; k++)
		if (!strncmp(name, kinds[k].prefix, strlen(kinds[k].prefix)))
			return k;
	return -1;
}

static int wanted(const char *list, const char *name)
{
	const char *p = list;
	size_t n = strlen(name);

	if (!list || !*list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static int open_event(const struct ib_pmu *pmu, const uint64_t cfg[3])
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)pmu->type;
	attr.config = cfg[0];
	attr.config1 = cfg[1];
	attr.config2 = cfg[2];
	attr.disabled = 1;
	/* uncore-style PMU: system-wide on its CPU, no task context */
	return (int)syscall(SYS_perf_event_open, &attr, -1, pmu->cpu, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

static void *perf_open(const struct ib_counters_cfg *cfg,
		       struct ib_counter_unavail_list *u)
{
	const char *root = cfg->sysfs_root && *cfg->sysfs_root ? cfg->sysfs_root : "";
	char dir[4096], pdir[4400], err[256], uname[IB_COUNTER_SOURCE_LEN];
	struct perf_src *p = calloc(1, sizeof(*p));
	struct ib_pmu *pmu = malloc(sizeof(*pmu));
	int raw_fail[NKINDS][MAX_RAW] = { { 0 } };
	char *names[MAX_PMUS];
	int nnames = 0, i, k, r, found = 0;
	struct dirent *de;
	DIR *d;

	if (!p || !pmu) {
		ib_unavail_add(u, "perf:iommu", "out of memory");
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s/sys/bus/event_source/devices", root);
	d = opendir(dir);
	if (!d) {
		ib_unavail_add(u, "perf:iommu", "%s: %s", dir, strerror(errno));
		goto fail;
	}
	while ((de = readdir(d)) && nnames < MAX_PMUS)
		if (pmu_kind(de->d_name) >= 0 && wanted(cfg->perf_pmus, de->d_name))
			names[nnames++] = strdup(de->d_name);
	closedir(d);
	/* dmar0 before dmar1: stable sources */
	for (i = 1; i < nnames; i++)
		for (r = i; r > 0 && names[r] && names[r - 1] &&
			    strcmp(names[r - 1], names[r]) > 0; r--) {
			char *t = names[r];

			names[r] = names[r - 1];
			names[r - 1] = t;
		}
	for (i = 0; i < nnames; i++) {
		if (!names[i])
			continue;
		k = pmu_kind(names[i]);
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, names[i]);
		if (ib_pmu_load(pdir, names[i], pmu, err, sizeof(err))) {
			snprintf(uname, sizeof(uname), "perf:%s", names[i]);
			ib_unavail_add(u, uname, "%s", err);
			continue;
		}
		found++;
		snprintf(p->units[k] + strlen(p->units[k]),
			 sizeof(p->units[k]) - strlen(p->units[k]), "%s%s",
			 p->nunits[k] ? "+" : "", names[i]);
		p->nunits[k]++;
		for (r = 0; r < MAX_RAW && kinds[k].raw[r]; r++) {
			const struct ib_pmu_event *e = ib_pmu_event(pmu, kinds[k].raw[r]);
			uint64_t c[3];
			int fd;

			snprintf(uname, sizeof(uname), "perf:%s/%s", names[i],
				 kinds[k].raw[r]);
			if (!e) {
				ib_unavail_add(u, uname, "event not exposed by this PMU");
				raw_fail[k][r] = 1;
				continue;
			}
			if (ib_pmu_encode(pmu, e->terms, c, err, sizeof(err))) {
				ib_unavail_add(u, uname, "%s", err);
				raw_fail[k][r] = 1;
				continue;
			}
			fd = open_event(pmu, c);
			if (fd < 0) {
				ib_unavail_add(u, uname, "perf_event_open: %s",
					       strerror(errno));
				raw_fail[k][r] = 1;
				continue;
			}
			p->ev[p->nev++] = (struct perf_ev){ fd, k, r };
		}
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	if (!found && !nnames)
		ib_unavail_add(u, "perf:iommu",
			       "no dmar*/amd_iommu_* PMU under %s", dir);
	/* an event counts only if it opened on every unit of its kind */
	for (k = 0; k < NKINDS; k++)
		for (r = 0; r < MAX_RAW; r++)
			p->raw_ok[k][r] = p->nunits[k] && kinds[k].raw[r] && !raw_fail[k][r];
	for (i = 0; i < p->nev; i++)
		if (!p->raw_ok[p->ev[i].kind][p->ev[i].raw]) {
			close(p->ev[i].fd);
			p->ev[i--] = p->ev[--p->nev];
		}
	free(pmu);
	if (!p->nev)
		goto fail_nopmu;
	return p;
fail:
	free(pmu);
fail_nopmu:
	free(p);
	return NULL;
}

static int perf_start(void *priv)
{
	struct perf_src *p = priv;
	int i, ret = 0;

	for (i = 0; i < p->nev; i++)
		if (ioctl(p->ev[i].fd, PERF_EVENT_IOC_RESET, 0) ||
		    ioctl(p->ev[i].fd, PERF_EVENT_IOC_ENABLE, 0))
			ret = -1;
	return ret;
}

static int raw_index(int k, const char *name)
{
	int r;

	for (r = 0; r < MAX_RAW && kinds[k].raw[r]; r++)
		if (!strcmp(kinds[k].raw[r], name))
			return r;
	return -1;
}

static int perf_stop(void *priv, struct ib_counter_set *out)
{
	struct perf_src *p = priv;
	uint64_t sum[NKINDS][MAX_RAW] = { { 0 } }, v;
	char src[IB_COUNTER_SOURCE_LEN];
	int i, k, ret = 0;

	for (i = 0; i < p->nev; i++) {
		ioctl(p->ev[i].fd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(p->ev[i].fd, &v, sizeof(v)) != (ssize_t)sizeof(v)) {
			ret = -1;
			continue;
		}
		sum[p->ev[i].kind][p->ev[i].raw] += v;
	}
	for (k = 0; k < NKINDS; k++) {
		const struct derived *d;

		if (!p->nunits[k])
			continue;
		for (d = kinds[k].out; d->common; d++) {
			int a = raw_index(k, d->a), b = d->b ? raw_index(k, d->b) : -1;

			if (a < 0 || !p->raw_ok[k][a] || (d->b && (b < 0 || !p->raw_ok[k][b])))
				continue;
			if (!d->op) {
				v = sum[k][a];
				snprintf(src, sizeof(src), "perf:%s/%s", p->units[k], d->a);
			} else {
				v = d->op == '+' ? sum[k][a] + sum[k][b] :
				    sum[k][a] > sum[k][b] ? sum[k][a] - sum[k][b] : 0;
				snprintf(src, sizeof(src), "perf:%s/%s%c%s", p->units[k],
					 d->a, d->op, d->b);
			}
			ib_counter_set_add(out, d->common, src, v);
		}
	}
	return ret;
}

static void perf_close(void *priv)
{
	struct perf_src *p = priv;
	int i;

	for (i = 0; i < p->nev; i++)
		close(p->ev[i].fd);
	free(p);
}

const struct ib_counter_source ib_counters_perf = {
	.name = "perf",
	.open = perf_open,
	.start = perf_start,
	.stop = perf_stop,
	.close = perf_close,
};
