// SPDX-License-Identifier: GPL-2.0
/*
 * ibmod: lab test tool for the iommubench module.  Talks to /dev/iommubench
 * directly (no harness) so the module can be tested on its own.
 *
 *   ibmod info                      GET_INFO, one line per device
 *   ibmod run key=value...          one IOMMUBENCH_RUN, results as key=value
 *   ibmod validate [dev]            bad fields -> expected errno, TAP lines
 *   ibmod fuzz N [seed] [dev]       N random structs/commands, no crash
 *   ibmod busy dev                  a second concurrent run gets EBUSY
 *   ibmod nonroot                   open as uid 65534 fails with EACCES
 *
 * run keys: engine=map|edu|dmaengine op=bench|isolation dev=BDF chan=NAME
 *   page=4k|2m|1g buf=BYTES window=BYTES xfer=BYTES granule=PAGES threads=N
 *   iter=N dur_ms=N warmup=N dir=to|from|bidir pattern=seq|rand seed=N
 *   verify=0|1 hist=0|1 samples=N cpus=a,b,c batch=N
 * Exit: 0 ok, 1 usage, 2 ioctl failed (errno printed), 4 skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <grp.h>
#include <unistd.h>

#include "iommubench.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << 26)
#endif

static const char *const metric_names[IOMMUBENCH_METRIC_MAX] = {
	"map_ns", "unmap_ns", "dma_latency_ns", "pin_ns"};
static const char *const dom_names[IOMMUBENCH_DOMAIN_MAX] = {
	"none", "identity", "dma", "dma-fq", "blocked", "unmanaged", "other"};
static const char *const verdict_names[IOMMUBENCH_VERDICT_MAX] = {
	"none", "isolated", "not_isolated"};

static int dev_open(void)
{
	int fd = open(IOMMUBENCH_DEV_PATH, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "ibmod: %s: %s\n", IOMMUBENCH_DEV_PATH,
			strerror(errno));
		exit(errno == ENOENT ? 4 : 2);
	}
	return fd;
}

static int cmd_info(void)
{
	struct iommubench_info info;
	unsigned int i;
	int fd = dev_open();

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, IOMMUBENCH_GET_INFO, &info)) {
		printf("error: GET_INFO: %s\n", strerror(errno));
		return 2;
	}
	printf("abi_version: %u\nrelease: %s\nndevices: %u\nndma_chans: %u\n",
	       info.abi_version, info.release, info.ndevices, info.ndma_chans);
	for (i = 0; i < info.ndevices && i < IOMMUBENCH_MAX_DEVICES; i++) {
		struct iommubench_dev_info *d = &info.devices[i];

		printf("device %s %04x:%04x node %d group %d domain %s engines "
		       "0x%x busy %u dma_mask 0x%llx pgsizes 0x%llx\n",
		       d->name, d->vendor, d->device, d->numa_node,
		       d->iommu_group,
		       d->domain_type < IOMMUBENCH_DOMAIN_MAX
			       ? dom_names[d->domain_type]
			       : "?",
		       d->engines, d->busy, (unsigned long long)d->dma_mask,
		       (unsigned long long)d->iommu_pgsize_bitmap);
	}
	close(fd);
	return 0;
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		break;
	default:
		break;
	}
	return v;
}

static void *alloc_buf(size_t len, int huge)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *p;

	if (huge)
		flags |=
			MAP_HUGETLB | (huge == 2 ? MAP_HUGE_1GB : MAP_HUGE_2MB);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* page=4k means 4 KiB pages: keep THP from merging them */
	if (!huge)
		madvise(p, len, MADV_NOHUGEPAGE);
	/* fault every page in; the module fills what it verifies */
	for (size_t off = 0; off < len; off += 4096)
		((volatile char *)p)[off] = 0x11;
	return p;
}

static int cmd_run(int argc, char **argv)
{
	struct iommubench_run r;
	static uint64_t hist[IOMMUBENCH_METRIC_MAX][IOMMUBENCH_HIST_BUCKETS];
	uint64_t *samples[IOMMUBENCH_METRIC_MAX] = {0};
	uint32_t cpus[IOMMUBENCH_MAX_THREADS];
	unsigned int ncpus = 0, nsamples = 0;
	int huge = 0, want_hist = 1, fd, i, m;
	size_t buf_len = 1 << 20;
	void *buf;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.threads = 1;
	r.granule = 1;
	r.iterations = 100;
	r.xfer_size = 2048;
	for (i = 0; i < argc; i++) {
		char *k = argv[i], *v = strchr(k, '=');

		if (!v) {
			fprintf(stderr, "ibmod run: %s: expected key=value\n",
				k);
			return 1;
		}
		*v++ = 0;
		if (!strcmp(k, "engine"))
			r.engine = !strcmp(v, "map")   ? IOMMUBENCH_ENGINE_MAP
				   : !strcmp(v, "edu") ? IOMMUBENCH_ENGINE_EDU
				   : !strcmp(v, "dmaengine")
					   ? IOMMUBENCH_ENGINE_DMAENGINE
					   : (uint32_t)atoi(v);
		else if (!strcmp(k, "op"))
			r.op = !strcmp(v, "isolation") ? IOMMUBENCH_OP_ISOLATION
			       : !strcmp(v, "bench")   ? IOMMUBENCH_OP_BENCH
						       : (uint32_t)atoi(v);
		else if (!strcmp(k, "dev"))
			snprintf(r.device, sizeof(r.device), "%s", v);
		else if (!strcmp(k, "chan"))
			snprintf(r.chan, sizeof(r.chan), "%s", v);
		else if (!strcmp(k, "page"))
			huge = !strcmp(v, "2m") ? 1 : !strcmp(v, "1g") ? 2 : 0;
		else if (!strcmp(k, "buf"))
			buf_len = parse_size(v);
		else if (!strcmp(k, "window"))
			r.window = parse_size(v);
		else if (!strcmp(k, "xfer"))
			r.xfer_size = parse_size(v);
		else if (!strcmp(k, "granule"))
			r.granule = parse_size(v);
		else if (!strcmp(k, "batch"))
			r.batch = strtoul(v, NULL, 0);
		else if (!strcmp(k, "threads"))
			r.threads = atoi(v);
		else if (!strcmp(k, "iter"))
			r.iterations = strtoull(v, NULL, 0);
		else if (!strcmp(k, "dur_ms")) {
			r.duration_ns = strtoull(v, NULL, 0) * 1000000ULL;
			r.iterations = 0;
		} else if (!strcmp(k, "warmup"))
			r.warmup = atoi(v);
		else if (!strcmp(k, "dir"))
			r.direction = !strcmp(v, "to")
					      ? IOMMUBENCH_DIR_TO_DEVICE
				      : !strcmp(v, "from")
					      ? IOMMUBENCH_DIR_FROM_DEVICE
					      : IOMMUBENCH_DIR_BIDIR;
		else if (!strcmp(k, "pattern"))
			r.pattern = !strcmp(v, "rand");
		else if (!strcmp(k, "seed"))
			r.seed = strtoull(v, NULL, 0);
		else if (!strcmp(k, "verify"))
			r.flags = atoi(v) ? IOMMUBENCH_F_VERIFY : 0;
		else if (!strcmp(k, "hist"))
			want_hist = atoi(v);
		else if (!strcmp(k, "samples"))
			nsamples = atoi(v);
		else if (!strcmp(k, "cpus")) {
			char *s = v, *tok;

			while ((tok = strsep(&s, ",")) &&
			       ncpus < IOMMUBENCH_MAX_THREADS)
				cpus[ncpus++] = atoi(tok);
			r.cpus_ptr = (uintptr_t)cpus;
		} else {
			fprintf(stderr, "ibmod run: unknown key %s\n", k);
			return 1;
		}
	}
	if (!r.window && r.engine != IOMMUBENCH_ENGINE_MAP)
		r.window = buf_len;
	buf = alloc_buf(buf_len, huge);
	if (!buf) {
		printf("error: cannot allocate %zu bytes (%s): %s\n", buf_len,
		       huge == 2 ? "1g hugetlb"
		       : huge	 ? "2m hugetlb"
				 : "4k",
		       strerror(errno));
		return 3;
	}
	r.buf_addr = (uintptr_t)buf;
	r.buf_len = buf_len;
	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		if (want_hist)
			r.hist_ptr[m] = (uintptr_t)hist[m];
		if (nsamples) {
			samples[m] = calloc(nsamples, sizeof(uint64_t));
			r.samples_ptr[m] = (uintptr_t)samples[m];
		}
	}
	r.samples_cap = nsamples;
	fd = dev_open();
	if (ioctl(fd, IOMMUBENCH_RUN, &r)) {
		int e = errno;

		printf("error: RUN: %s (errno %d)\n", strerror(e), e);
		return e == ENODEV ? 4 : 2;
	}
	printf("result dma_segments=%u iommu_pgsizes_used=0x%llx "
	       "iova_base=0x%llx domain=%s nr_pages_pinned=%u verify_errors=%u "
	       "verdict=%s io_page_faults=%u canary_intact=%u timeouts=%u "
	       "bytes_moved=%llu elapsed_ns=%llu\n",
	       r.dma_segments, (unsigned long long)r.iommu_pgsizes_used,
	       (unsigned long long)r.iova_base,
	       r.domain_type < IOMMUBENCH_DOMAIN_MAX ? dom_names[r.domain_type]
						     : "?",
	       r.nr_pages_pinned, r.verify_errors,
	       r.verdict < IOMMUBENCH_VERDICT_MAX ? verdict_names[r.verdict]
						  : "?",
	       r.io_page_faults, r.canary_intact, r.timeouts,
	       (unsigned long long)r.bytes_moved,
	       (unsigned long long)r.elapsed_ns);
	for (m = 0; m < IOMMUBENCH_METRIC_MAX; m++) {
		struct iommubench_stat *s = &r.stats[m];
		uint64_t hsum = 0;
		unsigned int b;

		if (!s->count)
			continue;
		for (b = 0; b < IOMMUBENCH_HIST_BUCKETS; b++)
			hsum += hist[m][b];
		printf("metric %s count=%llu sum=%llu min=%llu max=%llu "
		       "mean=%llu hist_total=%llu samples_written=%llu\n",
		       metric_names[m], (unsigned long long)s->count,
		       (unsigned long long)s->ns_sum,
		       (unsigned long long)s->ns_min,
		       (unsigned long long)s->ns_max,
		       (unsigned long long)(s->ns_sum / s->count),
		       (unsigned long long)hsum,
		       (unsigned long long)s->samples_written);
	}
	close(fd);
	munmap(buf, buf_len);
	return 0;
}

/* ---- validation ---- */

static int vfd, vfail, vpass;
static void *vbuf;
static size_t vlen = 64 << 10;
static char vdev[IOMMUBENCH_NAME_LEN];

static void base_run(struct iommubench_run *r, unsigned int engine)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->engine = engine;
	r->buf_addr = (uintptr_t)vbuf;
	r->buf_len = vlen;
	r->window = vlen;
	r->xfer_size = 1024;
	r->granule = 1;
	r->threads = 1;
	r->iterations = 2;
	snprintf(r->device, sizeof(r->device), "%s", vdev);
}

static void expect(const char *name, void *arg, unsigned long cmd, int want)
{
	int ret = ioctl(vfd, cmd, arg), got = ret ? errno : 0;

	if (got == want) {
		printf("ok - validate %s -> %s\n", name,
		       want ? strerror(want) : "0");
		vpass++;
	} else {
		printf("not ok - validate %s: want %s, got %s\n", name,
		       want ? strerror(want) : "success",
		       got ? strerror(got) : "success");
		vfail++;
	}
}

#define CASE(label, engine, stmt, want)                                        \
	do {                                                                   \
		struct iommubench_run r;                                       \
		base_run(&r, engine);                                          \
		stmt;                                                          \
		expect(label, &r, IOMMUBENCH_RUN, want);                       \
	} while (0)

static int cmd_validate(const char *dev)
{
	struct {
		struct iommubench_run r;
		uint8_t tail[64];
	} big;
	struct iommubench_info info;
	uint32_t badcpu = 100000;
	const unsigned int M = IOMMUBENCH_ENGINE_MAP, E = IOMMUBENCH_ENGINE_EDU;
	char *unmapped;

	snprintf(vdev, sizeof(vdev), "%s", dev);
	vfd = dev_open();
	vbuf = alloc_buf(vlen, 0);
	unmapped =
		mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, 4096);

	CASE("good map run", M, (void)0, 0);
	CASE("good edu run", E, r.iterations = 1, 0);
	CASE("engine=MAX", M, r.engine = IOMMUBENCH_ENGINE_MAX, EINVAL);
	CASE("engine=huge", M, r.engine = 0xffffffff, EINVAL);
	CASE("op=MAX", M, r.op = IOMMUBENCH_OP_MAX, EINVAL);
	CASE("op=isolation on map", M, r.op = IOMMUBENCH_OP_ISOLATION, EINVAL);
	CASE("direction=MAX", M, r.direction = IOMMUBENCH_DIR_MAX, EINVAL);
	CASE("pattern=MAX", E, r.pattern = IOMMUBENCH_PATTERN_MAX, EINVAL);
	CASE("flags unknown", M, r.flags = 0x80, EINVAL);
	CASE("buf_addr=0", M, r.buf_addr = 0, EINVAL);
	CASE("buf_addr misaligned", M, r.buf_addr += 8, EINVAL);
	CASE("buf_len=0", M, r.buf_len = 0, EINVAL);
	CASE("buf_len not page multiple", M, r.buf_len = 5000, EINVAL);
	CASE("buf_len huge", M, r.buf_len = IOMMUBENCH_MAX_BUF_BYTES + 4096,
	     EINVAL);
	CASE("buf kernel address", M, r.buf_addr = 0xffff888000000000ULL,
	     EINVAL);
	CASE("buf unmapped memory", M, r.buf_addr = (uintptr_t)unmapped;
	     r.buf_len = 4096; r.window = 4096, EFAULT);
	CASE("window > buf_len", E, r.window = vlen * 2, EINVAL);
	CASE("window=0 (edu)", E, r.window = 0, EINVAL);
	CASE("xfer_size=0 (edu)", E, r.xfer_size = 0, EINVAL);
	CASE("xfer_size > window", E, r.window = 4096;
	     r.xfer_size = 8192, EINVAL);
	CASE("xfer_size huge", E, r.xfer_size = IOMMUBENCH_MAX_XFER_BYTES + 1,
	     EINVAL);
	CASE("xfer_size=4096 (edu max 4095)", E, r.xfer_size = 4096, EINVAL);
	CASE("granule=0 (map)", M, r.granule = 0, EINVAL);
	CASE("granule > window", M, r.granule = 1000, EINVAL);
	CASE("granule huge", M, r.granule = IOMMUBENCH_MAX_GRANULE + 1, EINVAL);
	CASE("batch > max", M, r.batch = IOMMUBENCH_MAX_BATCH + 1, EINVAL);
	CASE("batch > chunks in window", M, r.window = 4 * 4096;
	     r.batch = 5, EINVAL);
	/* 1024 threads x 64 chunks x 16 pages = 4 GiB > 1 GiB: refused before
	 * anything is pinned (a 4 MiB range of which only vlen is mapped) */
	CASE("batch x threads above the byte limit", M, r.buf_len = 4 << 20;
	     r.window = 4 << 20; r.batch = 64; r.granule = 16;
	     r.threads = IOMMUBENCH_MAX_THREADS, EINVAL);
	CASE("batch with engine edu", E, r.batch = 2, EINVAL);
	CASE("reserved1 non-zero", M, r.reserved1 = 1, EINVAL);
	CASE("reserved0 non-zero", M, r.reserved0 = 1, EINVAL);
	CASE("batch=4 in a 16-page window", M, r.window = 16 * 4096;
	     r.batch = 4, 0);
	/* a v2 caller's batch is past its size: never read, so pairs */
	CASE("size=v2 (batch past the size is not read)", M,
	     r.size = IOMMUBENCH_RUN_SIZE_V2;
	     r.batch = IOMMUBENCH_MAX_BATCH + 1, 0);
	CASE("threads=0", M, r.threads = 0, EINVAL);
	CASE("threads > max", M, r.threads = IOMMUBENCH_MAX_THREADS + 1,
	     EINVAL);
	CASE("iterations huge", M, r.iterations = IOMMUBENCH_MAX_ITERATIONS + 1,
	     EINVAL);
	CASE("iterations=0 duration=0", M, r.iterations = 0, EINVAL);
	CASE("duration huge", M, r.iterations = 0;
	     r.duration_ns = 301ULL * 1000000000ULL, EINVAL);
	CASE("cpus_ptr misaligned", M, r.cpus_ptr = (uintptr_t)&badcpu + 1,
	     EINVAL);
	CASE("cpus_ptr bad cpu", M, r.cpus_ptr = (uintptr_t)&badcpu, EINVAL);
	CASE("cpus_ptr bad pointer", M, r.cpus_ptr = (uintptr_t)unmapped,
	     EFAULT);
	CASE("samples_cap huge", M, r.samples_cap = IOMMUBENCH_MAX_SAMPLES + 1,
	     EINVAL);
	CASE("samples_ptr without cap", M, r.samples_ptr[0] = (uintptr_t)vbuf,
	     EINVAL);
	CASE("samples_ptr misaligned", M,
	     r.samples_ptr[0] = (uintptr_t)vbuf + 3;
	     r.samples_cap = 4, EINVAL);
	CASE("hist_ptr misaligned", M, r.hist_ptr[1] = (uintptr_t)vbuf + 4,
	     EINVAL);
	CASE("hist_ptr bad pointer", M, r.hist_ptr[1] = (uintptr_t)unmapped,
	     EFAULT);
	CASE("device unknown", M,
	     snprintf(r.device, sizeof(r.device), "0000:99:00.0"), EINVAL);
	CASE("device not terminated", M,
	     memset(r.device, 'a', sizeof(r.device)), EINVAL);
	CASE("chan not terminated", M, memset(r.chan, 'a', sizeof(r.chan)),
	     EINVAL);
	CASE("size=0", M, r.size = 0, EINVAL);
	CASE("size=4", M, r.size = 4, EINVAL);
	CASE("size=v1-1", M, r.size = IOMMUBENCH_RUN_SIZE_V1 - 1, EINVAL);
	CASE("size=v1 (an older tool)", M, r.size = IOMMUBENCH_RUN_SIZE_V1, 0);
	{
		/* v1 caller: nothing written past its struct; a current one
		 * gets phys_pieces (>= 1 for a pinned buffer) */
		struct iommubench_run r;

		base_run(&r, M);
		r.size = IOMMUBENCH_RUN_SIZE_V1;
		r.phys_pieces = 0xdead;
		if (!ioctl(vfd, IOMMUBENCH_RUN, &r) && r.phys_pieces == 0xdead) {
			printf("ok - validate size=v1 leaves phys_pieces untouched\n");
			vpass++;
		} else {
			printf("not ok - validate size=v1 wrote past v1 (phys_pieces %u)\n",
			       r.phys_pieces);
			vfail++;
		}
		base_run(&r, M);
		if (!ioctl(vfd, IOMMUBENCH_RUN, &r) && r.phys_pieces >= 1 &&
		    r.phys_pieces <= r.nr_pages_pinned) {
			printf("ok - validate phys_pieces %u of %u pages\n",
			       r.phys_pieces, r.nr_pages_pinned);
			vpass++;
		} else {
			printf("not ok - validate phys_pieces %u of %u pages\n",
			       r.phys_pieces, r.nr_pages_pinned);
			vfail++;
		}
	}
	CASE("isolation with 1 page", E, r.op = IOMMUBENCH_OP_ISOLATION;
	     r.buf_len = 4096; r.window = 4096, EINVAL);
	CASE("dmaengine with device", IOMMUBENCH_ENGINE_DMAENGINE, (void)0,
	     EINVAL);
	CASE("dmaengine without channel", IOMMUBENCH_ENGINE_DMAENGINE,
	     r.device[0] = 0, ENODEV);

	memset(&big, 0, sizeof(big));
	base_run(&big.r, M);
	big.r.size = sizeof(big);
	expect("size larger, zero tail", &big, IOMMUBENCH_RUN, 0);
	big.tail[10] = 1;
	expect("size larger, non-zero tail", &big, IOMMUBENCH_RUN, E2BIG);
	expect("run bad pointer", unmapped, IOMMUBENCH_RUN, EFAULT);
	expect("info bad pointer", unmapped, IOMMUBENCH_GET_INFO, EFAULT);
	memset(&info, 0, sizeof(info));
	info.size = 8;
	expect("info size too small", &info, IOMMUBENCH_GET_INFO, EINVAL);
	info.size = sizeof(info);
	/* the size bits of the command are ignored */
	expect("info command with other size bits", &info,
	       _IOC(_IOC_READ | _IOC_WRITE, IOMMUBENCH_IOC_MAGIC, 1, 16), 0);
	expect("unknown command number", &info,
	       _IOWR(IOMMUBENCH_IOC_MAGIC, 0x33, struct iommubench_info),
	       ENOTTY);
	expect("foreign command type", &info,
	       _IOWR('x', 1, struct iommubench_info), ENOTTY);
	printf("# validate: %d passed, %d failed\n", vpass, vfail);
	return vfail ? 2 : 0;
}

/* ---- fuzz ---- */

static uint64_t fz;
static uint64_t frand(void)
{
	fz ^= fz << 13;
	fz ^= fz >> 7;
	fz ^= fz << 17;
	return fz;
}

/* A value that is often near a boundary, sometimes sane, sometimes junk. */
static uint64_t fval(uint64_t sane)
{
	switch (frand() % 8) {
	case 0:
		return 0;
	case 1:
		return sane;
	case 2:
		return sane + 1;
	case 3:
		return ~0ULL;
	case 4:
		return frand() & 0xffff;
	case 5:
		return 1ULL << (frand() % 64);
	case 6:
		return sane - 1;
	default:
		return frand();
	}
}

static int cmd_fuzz(long n, uint64_t seed, const char *dev)
{
	static uint8_t raw[sizeof(struct iommubench_info) + 256]
		__attribute__((aligned(8)));
	static uint64_t hist[IOMMUBENCH_HIST_BUCKETS];
	size_t blen = 64 << 10;
	void *buf = alloc_buf(blen, 0);
	uint32_t cpus[4] = {0, 0, 0, 0};
	long i, ok = 0, fail = 0;
	int fd = dev_open();

	fz = seed ? seed : 1;
	for (i = 0; i < n; i++) {
		struct iommubench_run *r = (void *)raw;
		unsigned long cmd;
		unsigned int k;

		memset(raw, 0, sizeof(raw));
		if (frand() % 4 == 0) {
			/* pure junk */
			for (k = 0; k < sizeof(raw); k++)
				raw[k] = frand();
		} else {
			r->size = frand() % 8 ? sizeof(*r) : fval(sizeof(*r));
			r->engine = frand() % 4 ? frand() % 2 : fval(1);
			r->op = frand() % 4 ? 0 : fval(1);
			r->direction = fval(1) % 4;
			if (frand() % 2)
				snprintf(r->device, sizeof(r->device), "%s",
					 dev);
			r->buf_addr = frand() % 4 ? (uintptr_t)buf
						  : fval((uintptr_t)buf);
			r->buf_len = frand() % 4 ? blen : fval(blen);
			r->window = frand() % 3 ? r->buf_len : fval(blen);
			r->xfer_size = frand() % 3 ? 512 : fval(4095);
			r->seed = frand();
			r->pattern = frand() % 4 ? frand() % 2 : fval(1);
			r->granule = frand() % 3 ? 1 + frand() % 4 : fval(16);
			r->threads = frand() % 3 ? 1 + frand() % 4 : fval(4);
			r->batch = frand() % 4 ? 0 : (uint32_t)fval(8);
			r->warmup = frand() % 4 ? 0 : fval(1);
			/* keep sane runs short: edu DMAs take 100 ms each */
			r->iterations = frand() % 3 ? 1 + frand() % 2 : fval(2);
			r->duration_ns = frand() % 8 ? 0 : fval(1000000);
			if (r->iterations > 3 && r->iterations != ~0ULL)
				r->iterations = 1;
			if (r->threads > 8 &&
			    r->threads <= IOMMUBENCH_MAX_THREADS)
				r->threads = 2;
			if (r->warmup > 2)
				r->warmup = 1;
			if (!r->iterations && r->duration_ns > 20000000)
				r->duration_ns = 1000000;
			r->cpus_ptr = frand() % 4   ? 0
				      : frand() % 2 ? (uintptr_t)cpus
						    : fval(0);
			for (k = 0; k < IOMMUBENCH_METRIC_MAX; k++) {
				r->samples_ptr[k] =
					frand() % 8 ? 0 : fval((uintptr_t)hist);
				r->hist_ptr[k] = frand() % 4   ? 0
						 : frand() % 2 ? (uintptr_t)hist
							       : fval(0);
			}
			r->samples_cap = frand() % 2 ? 16 : fval(16);
			r->flags = frand() % 2 ? frand() % 2 : fval(1);
			if (frand() % 16 == 0)
				raw[sizeof(*r) + frand() % 64] = frand();
		}
		switch (frand() % 8) {
		case 0:
			cmd = IOMMUBENCH_GET_INFO;
			break;
		case 1:
			cmd = _IOC(frand() % 4, IOMMUBENCH_IOC_MAGIC,
				   frand() % 4, frand() % 4096);
			break;
		default:
			cmd = IOMMUBENCH_RUN;
			break;
		}
		if (ioctl(fd, cmd,
			  frand() % 64 ? (void *)raw
				       : (void *)(uintptr_t)fval(0)))
			fail++;
		else
			ok++;
	}
	printf("# fuzz: %ld ioctls, %ld succeeded, %ld failed (expected)\n", n,
	       ok, fail);
	close(fd);
	return 0;
}

/* ---- busy ---- */

struct busy_arg {
	const char *dev;
	int err;
};

static void *busy_thread(void *p)
{
	struct busy_arg *a = p;
	struct iommubench_run r;
	size_t len = 64 << 10;
	void *buf = alloc_buf(len, 0);
	int fd = dev_open();

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.engine = IOMMUBENCH_ENGINE_EDU;
	snprintf(r.device, sizeof(r.device), "%s", a->dev);
	r.buf_addr = (uintptr_t)buf;
	r.buf_len = len;
	r.window = len;
	r.xfer_size = 1024;
	r.threads = 1;
	r.iterations = 0;
	r.duration_ns = 1500000000ULL;
	a->err = ioctl(fd, IOMMUBENCH_RUN, &r) ? errno : 0;
	close(fd);
	return NULL;
}

static int cmd_busy(const char *dev)
{
	struct busy_arg a = {dev, -1};
	struct iommubench_run r;
	pthread_t th;
	size_t len = 64 << 10;
	void *buf = alloc_buf(len, 0);
	int fd = dev_open(), err, rc = 0;

	pthread_create(&th, NULL, busy_thread, &a);
	usleep(300000);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.engine = IOMMUBENCH_ENGINE_MAP;
	snprintf(r.device, sizeof(r.device), "%s", dev);
	r.buf_addr = (uintptr_t)buf;
	r.buf_len = len;
	r.granule = 1;
	r.threads = 1;
	r.iterations = 1;
	err = ioctl(fd, IOMMUBENCH_RUN, &r) ? errno : 0;
	pthread_join(th, NULL);
	if (err == EBUSY) {
		printf("ok - second concurrent run on %s gets EBUSY\n", dev);
	} else {
		printf("not ok - second concurrent run on %s: got %s\n", dev,
		       err ? strerror(err) : "success");
		rc = 2;
	}
	if (a.err == 0) {
		printf("ok - the first run (edu, 1.5 s) completed\n");
	} else {
		printf("not ok - the first run failed: %s\n", strerror(a.err));
		rc = 2;
	}
	return rc;
}

/* open as uid/gid 65534: must fail with EACCES */
static int cmd_nonroot(void)
{
	int fd, e;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		printf("not ok - non-root open: cannot drop to uid 65534: %s\n",
		       strerror(errno));
		return 2;
	}
	fd = open(IOMMUBENCH_DEV_PATH, O_RDWR);
	e = errno;
	if (fd < 0 && e == EACCES) {
		printf("ok - non-root open of %s fails with EACCES\n",
		       IOMMUBENCH_DEV_PATH);
		return 0;
	}
	printf("not ok - non-root open of %s: %s\n", IOMMUBENCH_DEV_PATH,
	       fd < 0 ? strerror(e) : "succeeded");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ibmod info|run k=v...|validate "
				"[dev]|fuzz N [seed] [dev]|busy dev\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc > 2 ? argv[2] : "");
	if (!strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc > 2 ? atol(argv[2]) : 10000,
				argc > 3 ? strtoull(argv[3], NULL, 0) : 1,
				argc > 4 ? argv[4] : "");
	if (!strcmp(argv[1], "nonroot"))
		return cmd_nonroot();
	if (!strcmp(argv[1], "busy") && argc > 2)
		return cmd_busy(argv[2]);
	fprintf(stderr, "ibmod: unknown command %s\n", argv[1]);
	return 1;
}
