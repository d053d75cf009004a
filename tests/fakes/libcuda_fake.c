// SPDX-License-Identifier: GPL-2.0
/*
 * A fake CUDA driver for tests (build/tests/libcuda_fake.so, selected with
 * IOMMUBENCH_LIBCUDA=path): the subset of the driver API engine_cuda.c
 * uses, with host memcpy for the data and a SIMULATED device clock, so the
 * engine, the gpu suite, derive and the report run end to end on a machine
 * without a GPU.  Nothing it reports is a measurement.
 *
 * The clock models an LRU translation cache (the IOTLB) keyed by the page
 * of the registered host buffer (its page size read from /proc/self/smaps,
 * THP counted as 2 MiB): a copy costs COPY_NS + bytes / BW + MISS_NS per
 * missed page; a chase access ACCESS_NS + MISS_NS when it misses.  So
 * latency and bandwidth against window show a knee at ENTRIES pages, and
 * mean latency = base + MISS_NS x misses per access: the miss penalty
 * finding must recover MISS_NS (tests/host/test_cuda_penalty.sh).
 * Unregistering flushes the cache (an unmap invalidates).
 *
 * Environment (all optional):
 *   IOMMUBENCH_FAKE_IOTLB_ENTRIES  translation cache entries (64)
 *   IOMMUBENCH_FAKE_IOTLB_MISS_NS  miss penalty, ns (400)
 *   IOMMUBENCH_FAKE_CUDA_ACCESS_NS chase access that hits, ns (700)
 *   IOMMUBENCH_FAKE_CUDA_COPY_NS   fixed cost of one copy, ns (1500)
 *   IOMMUBENCH_FAKE_CUDA_BW        copy bandwidth, bytes/s (25e9)
 *   IOMMUBENCH_FAKE_CUDA_DEVICES   devices (1; 0: cuInit says NO_DEVICE)
 *   IOMMUBENCH_FAKE_CUDA_BDF       PCI address of device 0 (0000:65:00.0)
 *   IOMMUBENCH_FAKE_CUDA_FAIL      init | ctx | ptx | register: that call fails
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

#define EXPORT __attribute__((visibility("default")))

/* The error codes used, as cuda.h numbers them: X(name, value). */
#define CU_ERRORS(X)                                         \
	X(CUDA_SUCCESS, 0)                                   \
	X(CUDA_ERROR_INVALID_VALUE, 1)                       \
	X(CUDA_ERROR_OUT_OF_MEMORY, 2)                       \
	X(CUDA_ERROR_NOT_INITIALIZED, 3)                     \
	X(CUDA_ERROR_DEVICE_UNAVAILABLE, 46)                 \
	X(CUDA_ERROR_NO_DEVICE, 100)                         \
	X(CUDA_ERROR_INVALID_DEVICE, 101)                    \
	X(CUDA_ERROR_INVALID_IMAGE, 200)                     \
	X(CUDA_ERROR_INVALID_CONTEXT, 201)                   \
	X(CUDA_ERROR_INVALID_PTX, 218)                       \
	X(CUDA_ERROR_NOT_FOUND, 500)                         \
	X(CUDA_ERROR_ILLEGAL_ADDRESS, 700)                   \
	X(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED, 712)    \
	X(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED, 713)

#define CU_ENUM(n, v) n = v,
#define CU_NAME(n, v) { n, #n },
enum { CU_ERRORS(CU_ENUM) };

static const struct {
	int code;
	const char *name;
} names[] = { CU_ERRORS(CU_NAME) };

/* ---- configuration ---- */

static bool inited;
static double miss_ns, access_ns, copy_ns, bw;
static unsigned int entries;

static double env_num(const char *name, double dflt)
{
	const char *v = getenv(name);

	return v && v[0] ? strtod(v, NULL) : dflt;
}

static bool failing(const char *what)
{
	const char *v = getenv("IOMMUBENCH_FAKE_CUDA_FAIL");

	return v && !strcmp(v, what);
}

/* ---- the translation cache: LRU over page-aligned addresses ---- */

struct tlb_node {
	uint64_t key;
	int prev, next;
};

static struct tlb_node *node;
static int *slot; /* open addressing: node index or -1 */
static unsigned int nslots, used;
static int head = -1, tail = -1; /* most, least recently used */

static unsigned int hash(uint64_t k)
{
	return (unsigned int)((k * 0x9E3779B97F4A7C15ULL) >> 40) & (nslots - 1);
}

static void tlb_flush(void)
{
	unsigned int i;

	for (i = 0; i < nslots; i++)
		slot[i] = -1;
	used = 0;
	head = tail = -1;
}

static void lru_unlink(int n)
{
	if (node[n].prev >= 0)
		node[node[n].prev].next = node[n].next;
	else
		head = node[n].next;
	if (node[n].next >= 0)
		node[node[n].next].prev = node[n].prev;
	else
		tail = node[n].prev;
}

static void lru_front(int n)
{
	node[n].prev = -1;
	node[n].next = head;
	if (head >= 0)
		node[head].prev = n;
	head = n;
	if (tail < 0)
		tail = n;
}

/* Removes key's slot, shifting the probe run back (no tombstones). */
static void slot_del(unsigned int i)
{
	unsigned int j = i, k;

	slot[i] = -1;
	for (;;) {
		j = (j + 1) & (nslots - 1);
		if (slot[j] < 0)
			return;
		k = hash(node[slot[j]].key);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			slot[i] = slot[j];
			slot[j] = -1;
			i = j;
		}
	}
}

/* true: hit */
static bool tlb_lookup(uint64_t key)
{
	unsigned int i = hash(key);
	int n;

	for (; slot[i] >= 0; i = (i + 1) & (nslots - 1))
		if (node[slot[i]].key == key) {
			n = slot[i];
			lru_unlink(n);
			lru_front(n);
			return true;
		}
	if (used < entries) {
		n = (int)used++;
	} else {
		unsigned int j = hash(node[tail].key);

		n = tail;
		while (slot[j] != n)
			j = (j + 1) & (nslots - 1);
		slot_del(j);
		lru_unlink(n);
		for (i = hash(key); slot[i] >= 0; i = (i + 1) & (nslots - 1))
			;
	}
	node[n].key = key;
	slot[i] = n;
	lru_front(n);
	return false;
}

/* ---- registrations ---- */

struct reg {
	char *base;
	size_t len;
	uint64_t page;
	bool devmap;
};

#define MAX_REGS 64
static struct reg regs[MAX_REGS];

static struct reg *reg_of(const void *p)
{
	int i;

	for (i = 0; i < MAX_REGS; i++)
		if (regs[i].base && (const char *)p >= regs[i].base &&
		    (const char *)p < regs[i].base + regs[i].len)
			return &regs[i];
	return NULL;
}

/* The page size backing p: smaps' KernelPageSize, 2 MiB for THP. */
static uint64_t page_of(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	uintptr_t a, b, at = (uintptr_t)p;
	bool in = false;
	uint64_t kps = 4096, thp = 0, kb;

	if (!f)
		return 4096;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = at >= a && at < b;
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "KernelPageSize: %lu kB", &kb) == 1)
			kps = kb * 1024;
		else if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			thp = kb * 1024;
	}
	fclose(f);
	return kps == 4096 && thp >= (2u << 20) ? 2u << 20 : kps;
}

/* Misses of an access to [p, p + n) through the IOMMU (registered memory). */
static unsigned long misses_of(const void *p, size_t n)
{
	struct reg *r = reg_of(p);
	uint64_t a, end;
	unsigned long m = 0;

	if (!r || !n)
		return 0;
	end = (uint64_t)(uintptr_t)p + n;
	for (a = (uint64_t)(uintptr_t)p & ~(r->page - 1); a < end; a += r->page)
		m += !tlb_lookup(a);
	return m;
}

/* ---- contexts, streams, events, modules ---- */

struct CUstream_st {
	uint64_t clock; /* simulated ns */
};
struct CUevent_st {
	uint64_t t;
	bool recorded;
};
struct CUfunc_st {
	int kind; /* 1 spin, 2 chase, 3 copy */
};
struct CUmod_st {
	struct CUfunc_st f[3];
};
struct CUctx_st {
	CUdevice dev;
};

static struct CUstream_st null_stream;
static int nstreams;
static struct CUstream_st *streams[16];

static struct CUstream_st *S(struct CUstream_st *s)
{
	return s ? s : &null_stream;
}

/* What the engine puts in every row it runs on this library
 * (params.simulated); a real libcuda has no such symbol. */
EXPORT const char iommubench_fake_driver[] =
	"fake CUDA driver (tests/fakes/libcuda_fake.c): a model's clock, not a GPU";

EXPORT CUresult cuGetErrorName(CUresult err, const char **name)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == err) {
			*name = names[i].name;
			return CUDA_SUCCESS;
		}
	*name = NULL;
	return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuInit(unsigned int flags)
{
	if (flags)
		return CUDA_ERROR_INVALID_VALUE;
	if (failing("init") || env_num("IOMMUBENCH_FAKE_CUDA_DEVICES", 1) < 1)
		return CUDA_ERROR_NO_DEVICE;
	entries = (unsigned int)env_num("IOMMUBENCH_FAKE_IOTLB_ENTRIES", 64);
	if (entries < 1)
		entries = 1;
	miss_ns = env_num("IOMMUBENCH_FAKE_IOTLB_MISS_NS", 400);
	access_ns = env_num("IOMMUBENCH_FAKE_CUDA_ACCESS_NS", 700);
	copy_ns = env_num("IOMMUBENCH_FAKE_CUDA_COPY_NS", 1500);
	bw = env_num("IOMMUBENCH_FAKE_CUDA_BW", 25e9);
	for (nslots = 16; nslots < 4 * entries; nslots *= 2)
		;
	node = calloc(entries, sizeof(*node));
	slot = calloc(nslots, sizeof(*slot));
	if (!node || !slot)
		return CUDA_ERROR_OUT_OF_MEMORY;
	tlb_flush();
	inited = true;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int *count)
{
	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	*count = (int)env_num("IOMMUBENCH_FAKE_CUDA_DEVICES", 1);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *dev, int ordinal)
{
	int n;

	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	cuDeviceGetCount(&n);
	if (ordinal < 0 || ordinal >= n)
		return CUDA_ERROR_INVALID_DEVICE;
	*dev = ordinal;
	return CUDA_SUCCESS;
}

/* Device i sits at the configured address with the bus number + i. */
static void bdf_of(CUdevice dev, char *buf, size_t len)
{
	const char *b = getenv("IOMMUBENCH_FAKE_CUDA_BDF");
	unsigned int dom = 0, bus = 0x65, sl = 0, fn = 0;

	if (b && b[0])
		sscanf(b, "%x:%x:%x.%x", &dom, &bus, &sl, &fn);
	/* the driver's own spelling: upper-case hex, 8-digit domain */
	snprintf(buf, len, "%08X:%02X:%02X.%X", dom, bus + (unsigned int)dev, sl, fn);
}

EXPORT CUresult cuDeviceGetPCIBusId(char *bdf, int len, CUdevice dev)
{
	int n;

	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	cuDeviceGetCount(&n);
	if (dev < 0 || dev >= n || len < 13)
		return CUDA_ERROR_INVALID_VALUE;
	bdf_of(dev, bdf, (size_t)len);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetByPCIBusId(CUdevice *dev, const char *bdf)
{
	unsigned int d1, b1, s1, f1, d2, b2, s2, f2;
	char mine[32];
	int n, i;

	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (sscanf(bdf, "%x:%x:%x.%x", &d1, &b1, &s1, &f1) != 4)
		return CUDA_ERROR_INVALID_VALUE;
	cuDeviceGetCount(&n);
	for (i = 0; i < n; i++) {
		bdf_of(i, mine, sizeof(mine));
		sscanf(mine, "%x:%x:%x.%x", &d2, &b2, &s2, &f2);
		if (d1 == d2 && b1 == b2 && s1 == s2 && f1 == f2) {
			*dev = i;
			return CUDA_SUCCESS;
		}
	}
	return CUDA_ERROR_INVALID_DEVICE;
}

EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev)
{
	snprintf(name, (size_t)len, "iommubench fake GPU %d", dev);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxCreate_v2(struct CUctx_st **ctx, unsigned int flags, CUdevice dev)
{
	int n;

	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	cuDeviceGetCount(&n);
	if (dev < 0 || dev >= n)
		return CUDA_ERROR_INVALID_DEVICE;
	if (failing("ctx"))
		return CUDA_ERROR_DEVICE_UNAVAILABLE;
	*ctx = calloc(1, sizeof(**ctx));
	if (!*ctx)
		return CUDA_ERROR_OUT_OF_MEMORY;
	(*ctx)->dev = dev;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxDestroy_v2(struct CUctx_st *ctx)
{
	if (!ctx)
		return CUDA_ERROR_INVALID_CONTEXT;
	free(ctx);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes)
{
	void *m = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);

	if (!m)
		return CUDA_ERROR_OUT_OF_MEMORY;
	*p = (CUdeviceptr)(uintptr_t)m;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr p)
{
	free((void *)(uintptr_t)p);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char v, size_t n)
{
	memset((void *)(uintptr_t)p, v, n);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemHostRegister_v2(void *p, size_t bytes, unsigned int flags)
{
	int i;

	if (!inited)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!p || !bytes)
		return CUDA_ERROR_INVALID_VALUE;
	if (failing("register") && bytes > 4096)
		return CUDA_ERROR_OUT_OF_MEMORY;
	if (reg_of(p))
		return CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
	for (i = 0; i < MAX_REGS && regs[i].base; i++)
		;
	if (i == MAX_REGS)
		return CUDA_ERROR_OUT_OF_MEMORY;
	regs[i].base = p;
	regs[i].len = bytes;
	regs[i].page = page_of(p);
	regs[i].devmap = flags & 0x02;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemHostUnregister(void *p)
{
	struct reg *r = reg_of(p);

	if (!r || r->base != p)
		return CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
	memset(r, 0, sizeof(*r));
	tlb_flush(); /* the unmap invalidates */
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr *dp, void *p, unsigned int flags)
{
	struct reg *r = reg_of(p);

	if (flags || !r || !r->devmap)
		return CUDA_ERROR_INVALID_VALUE;
	*dp = (CUdeviceptr)(uintptr_t)p; /* unified addressing */
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n)
{
	memcpy((void *)(uintptr_t)dst, src, n);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

static void copy_cost(struct CUstream_st *s, const void *host, size_t n, double fixed)
{
	double t = fixed + (double)n * 1e9 / bw + (double)misses_of(host, n) * miss_ns;

	s->clock += (uint64_t)(t + 0.5);
}

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n,
				     struct CUstream_st *s)
{
	copy_cost(S(s), src, n, copy_ns);
	memcpy((void *)(uintptr_t)dst, src, n);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, struct CUstream_st *s)
{
	copy_cost(S(s), dst, n, copy_ns);
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamCreate(struct CUstream_st **s, unsigned int flags)
{
	if (nstreams == 16)
		return CUDA_ERROR_OUT_OF_MEMORY;
	*s = calloc(1, sizeof(**s));
	if (!*s)
		return CUDA_ERROR_OUT_OF_MEMORY;
	streams[nstreams++] = *s;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(struct CUstream_st *s)
{
	int i;

	for (i = 0; i < nstreams; i++)
		if (streams[i] == s) {
			streams[i] = streams[--nstreams];
			free(s);
			return CUDA_SUCCESS;
		}
	return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuStreamSynchronize(struct CUstream_st *s)
{
	return CUDA_SUCCESS; /* everything ran when it was queued */
}

EXPORT CUresult cuEventCreate(struct CUevent_st **e, unsigned int flags)
{
	*e = calloc(1, sizeof(**e));
	return *e ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

EXPORT CUresult cuEventDestroy_v2(struct CUevent_st *e)
{
	free(e);
	return CUDA_SUCCESS;
}

EXPORT CUresult cuEventRecord(struct CUevent_st *e, struct CUstream_st *s)
{
	e->t = S(s)->clock;
	e->recorded = true;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuEventSynchronize(struct CUevent_st *e)
{
	return e->recorded ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuEventElapsedTime(float *ms, struct CUevent_st *a, struct CUevent_st *b)
{
	if (!a->recorded || !b->recorded)
		return CUDA_ERROR_INVALID_VALUE;
	*ms = (float)(((double)b->t - (double)a->t) / 1e6);
	return CUDA_SUCCESS;
}

/* The JIT's error log (options 5 and 6: CU_JIT_ERROR_LOG_BUFFER and its
 * size), as the real driver fills it. */
static void jit_log(unsigned int n, const int *opts, void **vals, const char *msg)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (opts[i] == 5)
			buf = vals[i];
		else if (opts[i] == 6)
			len = (size_t)(uintptr_t)vals[i];
	}
	if (buf && len)
		snprintf(buf, len, "%s", msg);
}

EXPORT CUresult cuModuleLoadDataEx(struct CUmod_st **m, const void *image, unsigned int n,
				   int *opts, void **vals)
{
	const char *ptx = image;

	if (!ptx || strncmp(ptx, ".version ", 9) || !strstr(ptx, "\n.target sm_")) {
		jit_log(n, opts, vals, "ptxas fatal   : fake: no .version/.target header");
		return CUDA_ERROR_INVALID_IMAGE;
	}
	if (failing("ptx")) {
		jit_log(n, opts, vals, "ptxas application ptx input, line 1; error   : fake\nptxas fatal   : fake");
		return CUDA_ERROR_INVALID_PTX;
	}
	*m = calloc(1, sizeof(**m));
	if (!*m)
		return CUDA_ERROR_OUT_OF_MEMORY;
	/* the entries the PTX text declares */
	(*m)->f[0].kind = strstr(ptx, ".entry ib_spin(") ? 1 : 0;
	(*m)->f[1].kind = strstr(ptx, ".entry ib_chase(") ? 2 : 0;
	(*m)->f[2].kind = strstr(ptx, ".entry ib_copy(") ? 3 : 0;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleGetFunction(struct CUfunc_st **f, struct CUmod_st *m, const char *name)
{
	static const char *const kn[] = { "ib_spin", "ib_chase", "ib_copy" };
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(name, kn[i]) && m->f[i].kind) {
			*f = &m->f[i];
			return CUDA_SUCCESS;
		}
	return CUDA_ERROR_NOT_FOUND;
}

static uint64_t P64(void **params, int i)
{
	uint64_t v;

	memcpy(&v, params[i], sizeof(v));
	return v;
}

/* The chase kernel on the simulated clock: every pointer must lie in
 * memory registered with DEVICEMAP. */
static CUresult run_chase(struct CUstream_st *s, void **params)
{
	uint64_t p = P64(params, 0), warm = P64(params, 1), steps = P64(params, 2);
	uint32_t rounds, r;
	uint64_t *out = (uint64_t *)(uintptr_t)P64(params, 4), i, t0 = 0;

	memcpy(&rounds, params[3], sizeof(rounds));
	for (i = 0; i < warm + (uint64_t)rounds * steps; i++) {
		struct reg *g = reg_of((void *)(uintptr_t)p);

		if (!g || !g->devmap || (p & 7))
			return CUDA_ERROR_ILLEGAL_ADDRESS;
		if (i >= warm && (i - warm) % steps == 0)
			t0 = s->clock;
		s->clock += (uint64_t)(access_ns + (tlb_lookup(p & ~(g->page - 1)) ? 0 : miss_ns));
		memcpy(&p, (void *)(uintptr_t)p, sizeof(p));
		if (i >= warm && (i - warm) % steps == steps - 1) {
			r = (uint32_t)((i - warm) / steps);
			out[r] = s->clock - t0;
		}
	}
	out[rounds] = p;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuLaunchKernel(struct CUfunc_st *f, unsigned int gx, unsigned int gy,
			       unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz,
			       unsigned int shmem, struct CUstream_st *s, void **params, void **extra)
{
	uint64_t dst, src, words;
	int i;

	if (!f || !params || extra || !gx || !bx)
		return CUDA_ERROR_INVALID_VALUE;
	s = S(s);
	switch (f->kind) {
	case 1: /* spin: the latch releases every stream at once */
		for (i = 0; i < nstreams; i++)
			if (streams[i]->clock > s->clock)
				s->clock = streams[i]->clock;
		return CUDA_SUCCESS;
	case 2:
		if (gx != 1 || bx != 1)
			return CUDA_ERROR_INVALID_VALUE;
		return run_chase(s, params);
	case 3:
		dst = P64(params, 0);
		src = P64(params, 1);
		words = P64(params, 2);
		/* the host side of the copy is whichever is registered */
		copy_cost(s, reg_of((void *)(uintptr_t)src) ? (void *)(uintptr_t)src :
							       (void *)(uintptr_t)dst,
			  words * 8, copy_ns * 2);
		memcpy((void *)(uintptr_t)dst, (void *)(uintptr_t)src, words * 8);
		return CUDA_SUCCESS;
	}
	return CUDA_ERROR_INVALID_VALUE;
}
