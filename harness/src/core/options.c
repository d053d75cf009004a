// SPDX-License-Identifier: GPL-2.0
/*
 * The declarative option table and its parsers.  Suite keys, CLI options,
 * `iommubench help` and range checks all come from ib_options[].
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ib_options.h"
#include "iommubench.h"

#define KiB 1024ULL
#define GiB (1024ULL * 1024 * 1024)
#define SEC 1000000000ULL

struct ib_option ib_options[IB_O_MAX] = {
	/* allowed: the registry's names (engine_names()) */
	[IB_O_ENGINE] = { "engine", IB_OPT_ENUM, IB_OPT_F_RUNNER, 0, 0, "null",
			  NULL,
			  "what moves the bytes (see iommubench help ENGINE)" },
	[IB_O_OP] = { "op", IB_OPT_ENUM, 0, 0, 0, "bench", "bench,isolation,chase,sm_copy,map",
		      "timed benchmark, the isolation check, a page-stride pointer "
		      "chase (cuda, cpu), an SM copy kernel (cuda) or map/unmap "
		      "calls only (vfio)" },
	[IB_O_PAGE_SIZE] = { "page_size", IB_OPT_ENUM, 0, 0, 0, "4k",
			     "4k,2m,1g,thp",
			     "host buffer backing (hugetlb for 2m and 1g)" },
	[IB_O_WINDOW] = { "window", IB_OPT_SIZE, 0, 4 * KiB,
			  IOMMUBENCH_MAX_BUF_BYTES, "2m", NULL,
			  "bytes of the buffer that accesses touch" },
	[IB_O_XFER_SIZE] = { "xfer_size", IB_OPT_SIZE, 0, 1,
			     IOMMUBENCH_MAX_XFER_BYTES, "2k", NULL,
			     "bytes per DMA (per copy for cpu)" },
	[IB_O_PATTERN] = { "pattern", IB_OPT_ENUM, 0, 0, 0, "seq", "seq,rand",
			   "order of accesses within the window" },
	[IB_O_THREADS] = { "threads", IB_OPT_UINT, 0, 1,
			   IOMMUBENCH_MAX_THREADS, "1", NULL,
			   "concurrent workers" },
	[IB_O_GRANULE] = { "granule", IB_OPT_UINT, 0, 1,
			   IOMMUBENCH_MAX_GRANULE, "1", NULL,
			   "pages per map call (map engine)" },
	[IB_O_IOMMU_MODE] = { "iommu_mode", IB_OPT_ENUM, 0, 0, 0, "current",
			      "identity,dma-strict,dma-lazy,off,current",
			      "IOMMU domain type to set on the device's group" },
	[IB_O_CPU_NODE] = { "cpu_node", IB_OPT_NODE, 0, 0, 4095, "local",
			    NULL, "NUMA node of the CPUs running the workers" },
	[IB_O_MEM_NODE] = { "mem_node", IB_OPT_NODE, 0, 0, 4095, "local",
			    NULL, "NUMA node of the buffer" },
	[IB_O_DEV_NODE] = { "dev_node", IB_OPT_NODE, 0, 0, 4095, "local",
			    NULL, "NUMA node of the device (picks the device)" },
	[IB_O_DEVICE] = { "device", IB_OPT_DEVICE, 0, 0, 0, "auto", NULL,
			  "PCI BDF of the device, its index (cuda), a block device "
			  "/dev/NAME (nvme), or auto" },
	[IB_O_DIRECTION] = { "direction", IB_OPT_ENUM, 0, 0, 0, "to_device",
			     "to_device,from_device,bidir",
			     "DMA direction (cpu: read or write the buffer)" },
	[IB_O_ITERATIONS] = { "iterations", IB_OPT_UINT, IB_OPT_F_HARNESS, 1,
			      IOMMUBENCH_MAX_ITERATIONS, "1000", NULL,
			      "recorded iterations per thread per repetition" },
	[IB_O_DURATION] = { "duration", IB_OPT_DURATION, IB_OPT_F_HARNESS, 0,
			    IOMMUBENCH_MAX_SECONDS * SEC, "", NULL,
			    "time per repetition instead of iterations" },
	[IB_O_WARMUP] = { "warmup", IB_OPT_UINT, IB_OPT_F_HARNESS | IB_OPT_F_RUNNER, 0, 1000,
			  "1", NULL, "repetitions run first and discarded" },
	[IB_O_MIN_REPS] = { "min_reps", IB_OPT_UINT, IB_OPT_F_HARNESS | IB_OPT_F_RUNNER, 1,
			    100000, "3", NULL, "repetitions at least" },
	[IB_O_MAX_REPS] = { "max_reps", IB_OPT_UINT, IB_OPT_F_HARNESS | IB_OPT_F_RUNNER, 1,
			    100000, "30", NULL, "repetitions at most" },
	[IB_O_MAX_TIME] = { "max_time", IB_OPT_DURATION, IB_OPT_F_HARNESS | IB_OPT_F_RUNNER,
			    1000000, 86400 * SEC, "10s", NULL,
			    "stop repeating a point after this time" },
	[IB_O_TARGET_CI] = { "target_ci", IB_OPT_PERCENT, IB_OPT_F_HARNESS | IB_OPT_F_RUNNER, 0,
			     100, "1", NULL,
			     "stop when the 95% CI half-width of the median is "
			     "within this % of it" },
	[IB_O_SEED] = { "seed", IB_OPT_UINT, IB_OPT_F_HARNESS, 0, UINT64_MAX,
			"1", NULL, "PRNG seed for pattern=rand" },
	[IB_O_VERIFY] = { "verify", IB_OPT_UINT, IB_OPT_F_HARNESS, 0, 1, "0",
			  NULL, "check the data moved (0|1)" },
	[IB_O_BUF_SIZE] = { "buf_size", IB_OPT_SIZE, IB_OPT_F_HARNESS, 0,
			    IOMMUBENCH_MAX_BUF_BYTES, "", NULL,
			    "buffer bytes (default = window)" },
	/* ib_counters.h: which counter sources are live while timing */
	[IB_O_COUNTERS] = { "counters", IB_OPT_ENUM, IB_OPT_F_HARNESS | IB_OPT_F_RUNNER,
			    0, 0, "auto", "auto,separate,inline,none",
			    "counter sources live while timing: auto (those that "
			    "cost the timed path nothing; the rest in a counting "
			    "pass), separate (none), inline (all), none (no "
			    "counters)" },
	[IB_O_DESCRIPTION] = { "description", IB_OPT_STR,
			       IB_OPT_F_HARNESS | IB_OPT_F_NOLIST | IB_OPT_F_RUNNER,
			       0, 0, "",
			       NULL, "free text recorded with the job" },
	/* Before a point runs or a plan is allocated (docs/harness.md): about
	 * 9 KiB of plan per point, and every point lasts up to max_time. */
	[IB_O_MAX_POINTS] = { "max_points", IB_OPT_UINT,
			      IB_OPT_F_HARNESS | IB_OPT_F_NOLIST | IB_OPT_F_PLAN |
				      IB_OPT_F_RUNNER,
			      1, 1000000, "10000", NULL,
			      "refuse a plan of more points, before anything runs "
			      "([global] or the command line)" },
	/* default unset: the buffer as faulted in, one buffer per point */
	[IB_O_LAYOUT] = { "layout", IB_OPT_ENUM, 0, 0, 0, "",
			  "as-is,contiguous,fragmented",
			  "physical layout of a 4k buffer; set: a fresh buffer "
			  "every repetition, CI across buffers" },
	[IB_O_COUNTER_SOURCES] = { "counter_sources", IB_OPT_STR,
				   IB_OPT_F_HARNESS | IB_OPT_F_NOLIST | IB_OPT_F_PLAN |
					   IB_OPT_F_RUNNER,
				   0, 0, "", NULL,
				   "counter sources to open: papi,perf,tracefs "
				   "(default all)" },
	[IB_O_PAPI_EVENTS] = { "papi_events", IB_OPT_STR,
			       IB_OPT_F_HARNESS | IB_OPT_F_NOLIST | IB_OPT_F_PLAN |
				       IB_OPT_F_RUNNER,
			       0, 0, "", NULL,
			       "PAPI event list, e.g. PAPI_TOT_CYC,PAPI_TLB_DM" },
	/* multi-rank runs (mpirun, ib_ranks.h): unset = together */
	[IB_O_CONCURRENCY] = { "concurrency", IB_OPT_ENUM, IB_OPT_F_RUNNER, 0, 0, "",
			       "alone,together",
			       "with several ranks (mpirun): all measure at once "
			       "(together) or one after another (alone)" },
	/* engine parameters: filled at start-up (ib_opt_register) */
	[IB_O_EPARAM_FIRST ... IB_O_MAX - 1] = { .def = "" },
};

int ib_opt_register(const struct ib_option *o)
{
	int id = ib_opt_find(o->name);

	if (id >= 0)
		return id;
	for (id = IB_O_EPARAM_FIRST; id < IB_O_MAX; id++)
		if (!ib_options[id].name) {
			ib_options[id] = *o;
			if (!ib_options[id].def)
				ib_options[id].def = "";
			return id;
		}
	return -1;
}

/* "map,edu,...": the registry's engine names, which core/engine.c hands
 * over at start-up (options sit below the engines and call none of them). */
static char engine_names_buf[512];
static const char *engine_names = "";

void ib_options_set_engine_names(const char *names)
{
	snprintf(engine_names_buf, sizeof(engine_names_buf), "%s", names);
	engine_names = engine_names_buf;
}

/* An ENUM option's allowed values (comma list). */
static const char *opt_allowed(int id)
{
	return id == IB_O_ENGINE ? engine_names : ib_options[id].allowed;
}

int ib_opt_find(const char *name)
{
	char norm[64];
	size_t i;

	if (!name || strlen(name) >= sizeof(norm))
		return -1;
	for (i = 0; name[i]; i++)
		norm[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	norm[i] = '\0';
	for (i = 0; i < IB_O_MAX; i++)
		if (ib_options[i].name && !strcmp(ib_options[i].name, norm))
			return (int)i;
	return -1;
}

/* The expected-value text of o, which is ib_options[id] or an engine's
 * narrowing of it (ib_engine_option). */
static void opt_expected(const struct ib_option *o, int id, char *buf, size_t len)
{
	char tmp[256];
	char *items[16], *save = NULL, *t;
	int n = 0, i;
	size_t off;

	switch (o->type) {
	case IB_OPT_ENUM:
		snprintf(tmp, sizeof(tmp), "%s", o->allowed ? o->allowed : opt_allowed(id));
		for (t = strtok_r(tmp, ",", &save); t && n < 16;
		     t = strtok_r(NULL, ",", &save))
			items[n++] = t;
		off = (size_t)snprintf(buf, len, "expected ");
		for (i = 0; i < n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						i == 0 ? "" :
						i == n - 1 ? " or " : ", ",
						items[i]);
		break;
	case IB_OPT_SIZE:
		snprintf(buf, len,
			 "expected bytes with an optional k, m or g suffix, "
			 "%llu..%llu",
			 (unsigned long long)o->min, (unsigned long long)o->max);
		break;
	case IB_OPT_UINT:
		snprintf(buf, len, "expected an integer %llu..%llu",
			 (unsigned long long)o->min, (unsigned long long)o->max);
		break;
	case IB_OPT_DURATION:
		snprintf(buf, len,
			 "expected a duration such as 1s, 200ms, 50us "
			 "(at most %llus)",
			 (unsigned long long)(o->max / SEC));
		break;
	case IB_OPT_PERCENT:
		snprintf(buf, len, "expected a percentage 0..100, e.g. 1 or 0.5%%");
		break;
	case IB_OPT_NODE:
		snprintf(buf, len, "expected a node id, local, remote or all");
		break;
	case IB_OPT_DEVICE:
		snprintf(buf, len,
			 "expected a PCI address such as 0000:00:03.0, an index, /dev/NAME, or auto");
		break;
	case IB_OPT_STR:
		snprintf(buf, len, "expected text");
		break;
	}
}

void ib_opt_expected(int id, char *buf, size_t len)
{
	opt_expected(&ib_options[id], id, buf, len);
}

uint64_t ib_page_size_bytes(const char *token)
{
	/* the tokens of ib_options[IB_O_PAGE_SIZE].allowed */
	static const struct {
		const char *token;
		uint64_t bytes;
	} sizes[] = {
		{ "4k", 4 * KiB }, { "2m", 2 * KiB * KiB }, { "1g", GiB }, { "thp", 2 * KiB * KiB },
	};
	size_t i;

	for (i = 0; token && i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (!strcmp(token, sizes[i].token))
			return sizes[i].bytes;
	return 0;
}

int ib_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mul = KiB;
		end++;
		break;
	case 'm':
		mul = KiB * KiB;
		end++;
		break;
	case 'g':
		mul = GiB;
		end++;
		break;
	default:
		return -1;
	}
	/* accept "2m", "2mb", "2mib", "2MiB" */
	if (mul > 1 && (!strcasecmp(end, "b") || !strcasecmp(end, "ib")))
		end += strlen(end);
	if (*end)
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int ib_parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v;
	double mul;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mul = 60e9;
	else
		return -1;
	if (v * mul > 1.8e19)
		return -1;
	*ns = (uint64_t)(v * mul + 0.5);
	return 0;
}

static int parse_bdf(const char *s)
{
	unsigned int dom, bus, dev, fn;
	char tail;

	if (sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) == 4 &&
	    strlen(s) == 12 && dev < 32 && fn < 8)
		return 0;
	return -1;
}

bool ib_device_path(const char *s)
{
	size_t i, n;

	if (!s || strncmp(s, "/dev/", 5))
		return false;
	s += 5;
	n = strlen(s);
	if (!n || n > 64 || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

bool ib_device_index(const char *s, unsigned int *idx)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]) || strlen(s) > 3)
		return false;
	v = strtoul(s, &end, 10);
	if (*end)
		return false;
	if (idx)
		*idx = (unsigned int)v;
	return true;
}

static int parse_value(int id, const char *value, struct ib_params *p)
{
	const struct ib_option *o = &ib_options[id];
	uint64_t u = 0;
	double d;
	char *end;

	switch (o->type) {
	case IB_OPT_ENUM: {
		char tmp[256], *save = NULL, *t;
		int idx = 0;

		snprintf(tmp, sizeof(tmp), "%s", opt_allowed(id));
		for (t = strtok_r(tmp, ",", &save); t;
		     t = strtok_r(NULL, ",", &save), idx++)
			if (!strcmp(t, value)) {
				if (p)
					p->u[id] = (uint64_t)idx;
				return 0;
			}
		return -1;
	}
	case IB_OPT_SIZE:
		if (ib_parse_size(value, &u) || u < o->min || u > o->max)
			return -1;
		break;
	case IB_OPT_UINT:
		if (!isdigit((unsigned char)*value))
			return -1;
		errno = 0;
		u = strtoull(value, &end, 10);
		if (errno || *end || u < o->min || u > o->max)
			return -1;
		break;
	case IB_OPT_DURATION:
		if (ib_parse_duration(value, &u) || u < o->min || u > o->max)
			return -1;
		break;
	case IB_OPT_PERCENT:
		errno = 0;
		d = strtod(value, &end);
		if (end == value || errno)
			return -1;
		if (*end == '%')
			end++;
		if (*end || d <= 0 || d > 100)
			return -1;
		if (p)
			p->d[id] = d;
		return 0;
	case IB_OPT_NODE:
		if (!strcmp(value, "local")) {
			if (p)
				p->node_kind[id] = IB_NODE_LOCAL;
			return 0;
		}
		if (!strcmp(value, "remote")) {
			if (p)
				p->node_kind[id] = IB_NODE_REMOTE;
			return 0;
		}
		if (!strcmp(value, "all")) {
			if (p)
				p->node_kind[id] = IB_NODE_ALL;
			return 0;
		}
		if (!isdigit((unsigned char)*value))
			return -1;
		errno = 0;
		u = strtoull(value, &end, 10);
		if (errno || *end || u > o->max)
			return -1;
		if (p)
			p->node_kind[id] = IB_NODE_ID;
		break;
	case IB_OPT_DEVICE:
		if (strcmp(value, "auto") && parse_bdf(value) && !ib_device_index(value, NULL) &&
		    !ib_device_path(value))
			return -1;
		break;
	case IB_OPT_STR:
		if (strlen(value) >= IB_VAL_LEN)
			return -1;
		break;
	}
	if (p)
		p->u[id] = u;
	return 0;
}

static void fail_msg(int id, const char *value, char *err, size_t errlen)
{
	char exp[256];

	ib_opt_expected(id, exp, sizeof(exp));
	snprintf(err, errlen, "%s=%s: %s", ib_options[id].name, value, exp);
}

int ib_opt_check(int id, const char *value, char *err, size_t errlen)
{
	if (!ib_opt_used(id))
		return -1;
	if (strlen(value) >= IB_VAL_LEN || parse_value(id, value, NULL)) {
		fail_msg(id, value, err, errlen);
		return -1;
	}
	return 0;
}

int ib_opt_set(struct ib_params *p, int id, const char *value, char *err,
	       size_t errlen)
{
	if (ib_opt_check(id, value, err, errlen))
		return -1;
	parse_value(id, value, p);
	snprintf(p->raw[id], IB_VAL_LEN, "%s", value);
	return 0;
}

void ib_params_defaults(struct ib_params *p)
{
	char err[2 * IB_VAL_LEN + 64]; /* fail_msg's "name=value: expected" */
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < IB_O_MAX; i++)
		if (ib_options[i].def[0] && !(ib_options[i].flags & IB_OPT_F_PLAN))
			ib_opt_set(p, i, ib_options[i].def, err, sizeof(err));
}

bool ib_opt_item(int id, const char **cur, const char **start, size_t *len)
{
	const char *p = *cur, *end;

	if (!p)
		return false;
	if (id >= 0 && (ib_options[id].flags & IB_OPT_F_NOLIST))
		end = p + strlen(p);
	else
		end = p + strcspn(p, ",");
	*cur = *end ? end + 1 : NULL;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*start = p;
	*len = (size_t)(end - p);
	return true;
}

size_t ib_opt_count(int id, const char *value)
{
	const char *cur = value, *start;
	size_t n = 0, len;

	while (ib_opt_item(id, &cur, &start, &len))
		n++;
	return n;
}

int ib_opt_split(int id, const char *value, char items[][IB_VAL_LEN],
		 int nitems)
{
	const char *cur = value, *start;
	size_t len;
	int n = 0;

	while (ib_opt_item(id, &cur, &start, &len)) {
		if (n < nitems)
			snprintf(items[n], IB_VAL_LEN, "%.*s",
				 (int)(len < IB_VAL_LEN ? len : IB_VAL_LEN - 1),
				 start);
		n++;
	}
	return n;
}

uint64_t ib_params_buf_size(const struct ib_params *p)
{
	return p->raw[IB_O_BUF_SIZE][0] ? p->u[IB_O_BUF_SIZE] : p->u[IB_O_WINDOW];
}

int ib_params_check_fields(const struct ib_params *p, char *err, size_t errlen)
{
	uint64_t window = p->u[IB_O_WINDOW], xfer = p->u[IB_O_XFER_SIZE];
	uint64_t buf = ib_params_buf_size(p);

	if (xfer > window) {
		snprintf(err, errlen,
			 "xfer_size=%s: must not exceed window=%s",
			 p->raw[IB_O_XFER_SIZE], p->raw[IB_O_WINDOW]);
		return -1;
	}
	if (window > buf) {
		snprintf(err, errlen, "window=%s: must not exceed buf_size=%s",
			 p->raw[IB_O_WINDOW], p->raw[IB_O_BUF_SIZE]);
		return -1;
	}
	if (p->u[IB_O_MIN_REPS] > p->u[IB_O_MAX_REPS]) {
		snprintf(err, errlen, "min_reps=%s: must not exceed max_reps=%s",
			 p->raw[IB_O_MIN_REPS], p->raw[IB_O_MAX_REPS]);
		return -1;
	}
	return 0;
}

void ib_option_print(FILE *f, int id, const struct ib_option *o)
{
	char exp[256], kebab[64];
	size_t j;

	for (j = 0; o->name[j] && j < sizeof(kebab) - 1; j++)
		kebab[j] = o->name[j] == '_' ? '-' : o->name[j];
	kebab[j] = '\0';
	opt_expected(o, id, exp, sizeof(exp));
	fprintf(f, "  %-12s --%-12s %s\n", o->name, kebab, o->help);
	fprintf(f, "  %-12s   %-12s %s%s%s%s\n", "", "",
		exp + (strncmp(exp, "expected ", 9) ? 0 : 9),
		o->def[0] ? "; default " : "", o->def,
		(o->flags & IB_OPT_F_NOLIST) ? "" :
		(o->flags & IB_OPT_F_HARNESS) ? "" : "; list = sweep");
}

void ib_options_print_help(FILE *f)
{
	int i;

	for (i = 0; i < IB_O_MAX; i++)
		if (ib_opt_used(i))
			ib_option_print(f, i, &ib_options[i]);
}
