// SPDX-License-Identifier: GPL-2.0
/*
 * What the lab-merge counting files share (counters_lab.c: the merge into
 * rows; counters_lab_marks.c: marks.tsv and the input bounds;
 * counters_lab_trace.c: the QEMU trace read and counted).  Internal to
 * counters/.
 */
#ifndef IB_COUNTERS_LAB_INT_H
#define IB_COUNTERS_LAB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ib_counters.h"

enum lab_ev {
	/* intel-iommu */
	EV_PAGE_HIT,
	EV_PAGE_UPDATE,
	EV_CC_HIT,
	EV_CC_UPDATE,
	EV_DMAR_FAULT,
	EV_INV_GLOBAL,
	EV_INV_DOMAIN,
	EV_INV_PAGES,
	/* amd-iommu */
	EV_AMD_HIT,
	EV_AMD_UPDATE,
	EV_AMD_FAULT,
	EV_AMD_INV_PAGES,
	EV_AMD_INV_ALL,
	/* virtio-iommu-pci */
	EV_VIRTIO_MAP,
	EV_VIRTIO_UNMAP,
	EV_VIRTIO_FAULT,
	NEV
};

extern const char *const ev_names[NEV];

/* The vIOMMU a run used: QEMU's -device in qemu-cmdline.txt (lab.py --iommu) */
enum lab_vendor { V_INTEL, V_AMD, V_VIRTIO };

struct lab_counter {
	enum lab_vendor vendor;
	const char *name, *source;
	int ev[3]; /* summed events, -1 terminated */
};



#define MAX_SIDS 16 /* devices per interval that get their own counts */

struct sid_count {
	int sid;
	uint64_t n[NEV];
};

#define NO_IV ((size_t)-1)

struct interval {
	char *name;
	uint64_t begin, end;
	uint64_t n[NEV];
	struct sid_count *by_sid; /* MAX_SIDS, only while splitting by device */
	int nsid;
	size_t next; /* the next interval (sorted order) of the same name, or NO_IV */
	size_t tail; /* on the first of a name: its last interval so far */
	bool first;  /* the first interval of its name */
};

/*
 * domain id -> sid, learned from the page events, as it changes over the
 * log: a freed domain id is given to the next domain (the other port's,
 * a mode switch later), so each id keeps the offsets where its device
 * changed.  More than DOM_EPOCHS changes: devices sharing one domain at
 * once, not split.
 */
#define MAX_DOMAINS 65536
#define DOM_EPOCHS 64
struct dom_epochs {
	int n;	     /* -1: shared, not split */
	int cap;
	struct dom_epoch {
		uint64_t off; /* from this trace offset on (the first: from 0) */
		int sid;
	} *e;
};
extern struct dom_epochs *dom_sid;
void dom_sid_free(void);

/*
 * Input bounds, derived from the plan (the rows of results.json; lab.py
 * marks each point once, rank 0 marks each step of a multi-rank run once):
 * at most LAB_MARKS_PER_ROW intervals per row plus LAB_MARKS_OTHER for
 * other runs of the same lab boot, each mark line no longer than the
 * longest name a row may have (IB_NAME_LEN) plus its kind and offset; the QEMU trace at
 * most LAB_TRACE_PER_ROW bytes per row plus LAB_TRACE_BASE (boot, set-up).
 * Both files are read in one pass with bounded memory whatever they hold.
 */
#define LAB_MARKS_PER_ROW 4
/* marks.tsv is the lab boot's: a boot that ran several runs (the lab tests
 * do) holds their marks too, under names this run does not have */
#define LAB_MARKS_OTHER 4096
#define LAB_MARK_OVERHEAD 32 /* "BEGIN\t" "\t" 20 digits "\r\n" */
#define LAB_TRACE_BASE (64ULL << 20)
#define LAB_TRACE_PER_ROW (1ULL << 30)
#define LAB_LINE_PARSE 4096 /* trace bytes of a line looked at (QEMU's are < 300) */
/* A zstd trace's frames may ask for at most a 16 MiB window (the 2 MiB of
 * zstd -3, which lab-merge writes, up to the 8 MiB of zstd -19): what
 * decompressing costs in memory is bounded whatever the file says. */
#define LAB_ZSTD_WINDOW_LOG_MAX 24

struct lab_limits {
	size_t rows, max_name;	 /* from results.json */
	size_t max_intervals;	 /* LAB_MARKS_PER_ROW * rows */
	uint64_t max_marks_bytes, max_trace_bytes;
};

struct marks {
	struct interval *iv;
	size_t n, cap;
};

/* counters_lab_marks.c */
void lab_limits_of(const struct ib_lab_rows *R, struct lab_limits *L);
int check_size(FILE *f, const char *path, const char *what, uint64_t limit,
	       const struct lab_limits *L);
const char *shown(const char *s);
void marks_free(struct marks *m);
int load_marks(const char *path, struct marks *m, const struct lab_limits *L);

/* counters_lab_trace.c */
int learn_domains(const char *path, const struct lab_limits *L);
int count_trace(const char *path, struct marks *m, const struct lab_limits *L);
void enabled_events(const char *path, int enabled[NEV]);

#endif
