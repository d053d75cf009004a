/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one declarative option table: it drives the suite parser, the CLI
 * (--kebab-case), `iommubench help` and every range check.  Names are the
 * contract names of docs/architecture.md.
 */
#ifndef IB_OPTIONS_H
#define IB_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

enum ib_opt_type {
	IB_OPT_ENUM,	 /* one of .allowed (comma list) */
	IB_OPT_SIZE,	 /* bytes, k/m/g suffixes */
	IB_OPT_UINT,	 /* plain integer in [min, max] */
	IB_OPT_DURATION, /* ns; 1s, 200ms, 50us, 10ns (bare number = s) */
	IB_OPT_PERCENT,	 /* double, "1" or "0.5%" */
	IB_OPT_NODE,	 /* node id | local | remote | all */
	IB_OPT_DEVICE,	 /* PCI BDF | auto | index | /dev/NAME (engine-specific) */
	IB_OPT_STR,	 /* free text */
};

#define IB_OPT_F_NOLIST (1U << 0) /* commas are part of the value */
#define IB_OPT_F_HARNESS (1U << 1) /* harness option, not a sweep parameter */
/* A whole-plan option: [global] or the command line only; never part of a
 * point's params (so never in a row). */
#define IB_OPT_F_PLAN (1U << 2)
/* A runner option (engine, warm-up, repetitions, counters, ...): every
 * engine takes it, none lists it in its own table. */
#define IB_OPT_F_RUNNER (1U << 3)

enum ib_opt_id {
	IB_O_ENGINE, IB_O_OP, IB_O_PAGE_SIZE, IB_O_WINDOW, IB_O_XFER_SIZE,
	IB_O_PATTERN, IB_O_THREADS, IB_O_GRANULE, IB_O_IOMMU_MODE,
	IB_O_CPU_NODE, IB_O_MEM_NODE, IB_O_DEV_NODE, IB_O_DEVICE,
	IB_O_DIRECTION, IB_O_ITERATIONS, IB_O_DURATION, IB_O_WARMUP,
	IB_O_MIN_REPS, IB_O_MAX_REPS, IB_O_MAX_TIME, IB_O_TARGET_CI,
	IB_O_SEED, IB_O_VERIFY, IB_O_BUF_SIZE, IB_O_COUNTERS,
	IB_O_DESCRIPTION, IB_O_MAX_POINTS, IB_O_LAYOUT, IB_O_COUNTER_SOURCES,
	IB_O_PAPI_EVENTS, IB_O_CONCURRENCY,
	/*
	 * Engine parameters: IB_O_EPARAM_SLOTS ids after the core ones, which
	 * the engines' descriptors fill at start-up, in registry order (an
	 * entry of struct ib_engine_opt with .param, ib_engine.h; nvme's
	 * iodepth, vfio's vfio_backend).  An engine finds its id by name
	 * (ib_opt_find).  An unused slot has no name (ib_opt_used) and an
	 * empty default: loops over the ids skip it.
	 */
	IB_O_EPARAM_FIRST,
	IB_O_MAX = IB_O_EPARAM_FIRST + 8,
};
#define IB_O_EPARAM_SLOTS (IB_O_MAX - IB_O_EPARAM_FIRST)

/* op= values past the module's IOMMUBENCH_OP_BENCH and _ISOLATION (their
 * index in the op option's allowed list): harness engines only. */
#define IB_OP_CHASE 2	/* one-thread page-stride pointer chase */
#define IB_OP_SM_COPY 3 /* copies by an SM kernel (cuda) */
#define IB_OP_MAP 4	/* map/unmap calls only (vfio) */

struct ib_option {
	const char *name;    /* suite key; CLI is --name with '_' -> '-' */
	enum ib_opt_type type;
	unsigned int flags;
	uint64_t min, max;   /* SIZE/UINT/DURATION range (inclusive) */
	const char *def;     /* default text ("" = unset) */
	const char *allowed; /* ENUM: comma list */
	const char *help;
};

/* The core options, then the engine parameters (ib_opt_register). */
extern struct ib_option ib_options[IB_O_MAX];

/* Whether id names an option (not an unused engine-parameter slot). */
static inline bool ib_opt_used(int id)
{
	return id >= 0 && id < IB_O_MAX && ib_options[id].name;
}

/* An engine parameter into the next free slot (core/engine.c, at
 * start-up, from the engines' descriptors): its id, the id it already has
 * when an option of that name exists, or -1 when the slots are full. */
int ib_opt_register(const struct ib_option *o);

#define IB_VAL_LEN 256

/*
 * Lists (docs/suites.md): at most IB_LIST_MAX_ITEMS items, each shorter than
 * IB_VAL_LEN; a longer list or item is refused with a message naming the
 * key, never cut.  IB_LIST_MAX_CHARS bounds the text of a whole list.
 */
#define IB_LIST_MAX_ITEMS 4096
#define IB_LIST_MAX_CHARS (IB_LIST_MAX_ITEMS * IB_VAL_LEN)

/* A node request: an id, or one of the relative words. */
enum ib_node_kind { IB_NODE_ID, IB_NODE_LOCAL, IB_NODE_REMOTE, IB_NODE_ALL };

/* One point's parameters: the text as given plus the parsed value. */
struct ib_params {
	char raw[IB_O_MAX][IB_VAL_LEN]; /* canonical text of each option */
	bool given[IB_O_MAX];		/* set explicitly (not a default) */
	uint64_t u[IB_O_MAX];		/* SIZE/UINT/DURATION/ENUM index/node id */
	double d[IB_O_MAX];		/* PERCENT */
	int node_kind[IB_O_MAX];	/* NODE options */
};

/* Fills every option with its default. */
void ib_params_defaults(struct ib_params *p);

/* Index of the option called name (suite key or kebab CLI form), -1 if none. */
int ib_opt_find(const char *name);

/*
 * Parses and stores one (non-list) value.  On error returns -1 and writes
 * "key=value: expected ..." into err.
 */
int ib_opt_set(struct ib_params *p, int id, const char *value, char *err,
	       size_t errlen);

/* Checks one value without storing it (same message). */
int ib_opt_check(int id, const char *value, char *err, size_t errlen);

/*
 * The items of a list value, one per call: split on commas (the whole value
 * for NOLIST options), each trimmed; an empty item is an item.  *cur starts
 * at the value; returns false after the last item.
 */
bool ib_opt_item(int id, const char **cur, const char **start, size_t *len);

/* Number of items in a list value (ib_opt_item's count). */
size_t ib_opt_count(int id, const char *value);

/*
 * Splits a list value into items[] (at most nitems written, each trimmed)
 * and returns the number of items in the value, which may exceed nitems
 * (as snprintf does), so callers can tell and never truncate silently.
 * Items of IB_VAL_LEN characters or more do not fit: ib_job_set refuses
 * them before a value reaches a split.
 */
int ib_opt_split(int id, const char *value, char items[][IB_VAL_LEN],
		 int nitems);

/* Whether s is a device index (device=N, 0..999: the engine's own
 * ordinal, e.g. CUDA's); *idx gets it when idx is not NULL. */
bool ib_device_index(const char *s, unsigned int *idx);

/* Whether s is a device node path device=/dev/NAME (NAME of [A-Za-z0-9._-],
 * not starting with '.', at most 64): only engines with IB_ENG_DEVICE_PATH
 * take one (nvme: the block device).  Confined to /dev by its shape. */
bool ib_device_path(const char *s);

/* Parsers usable on their own. */
/* The page_size parser (one for the harness: options, buffer, derive,
 * report): "4k" 4096, "2m" and "thp" 2 MiB, "1g" 1 GiB; 0 for NULL or any
 * other token. */
uint64_t ib_page_size_bytes(const char *token);
int ib_parse_size(const char *s, uint64_t *out);
int ib_parse_duration(const char *s, uint64_t *ns);

/* The buffer a point allocates: buf_size, or the window when unset. */
uint64_t ib_params_buf_size(const struct ib_params *p);

/* Cross-field checks of a complete point's core fields (xfer_size,
 * window, buf_size, repetitions); -1 with a message naming the fields.
 * ib_params_validate (ib_engine.h) adds the engine's checks. */
int ib_params_check_fields(const struct ib_params *p, char *err, size_t errlen);

/* The engine option's allowed names (core/engine.c, at start-up). */
void ib_options_set_engine_names(const char *names);

/* "expected 4k, 2m, 1g or thp" style text for an option. */
void ib_opt_expected(int id, char *buf, size_t len);

/* Prints one option as `help` does: o is ib_options[id], or an engine's
 * narrowing of it (ib_engine_option). */
void ib_option_print(FILE *stream, int id, const struct ib_option *o);

/* Prints the table (iommubench help). */
void ib_options_print_help(FILE *stream);

#endif
