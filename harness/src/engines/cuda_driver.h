/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the cuda engine (harness/src/engines/engine_cuda.c,
 * cuda_driver.c, cuda_kernels.c): the CUDA driver API subset it calls,
 * loaded with dlopen (no build dependency on CUDA), and its kernels.
 */
#ifndef IB_CUDA_DRIVER_H
#define IB_CUDA_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

/* ---- the driver API subset (cuda.h types; _v2 names as libcuda exports) ---- */

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

#define CUDA_SUCCESS 0
#define CU_CTX_SCHED_SPIN 0x01
#define CU_CTX_MAP_HOST 0x08
#define CU_MEMHOSTREGISTER_PORTABLE 0x01
#define CU_MEMHOSTREGISTER_DEVICEMAP 0x02
#define CU_STREAM_NON_BLOCKING 0x1
#define CU_EVENT_DEFAULT 0x0
#define CU_JIT_ERROR_LOG_BUFFER 5
#define CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6

/* One line per function: X(field, "symbol", (parameters)); each returns CUresult. */
#define CU_API(X)                                                                          \
	X(Init, "cuInit", (unsigned int flags))                                              \
	X(GetErrorName, "cuGetErrorName", (CUresult err, const char **name))                \
	X(DeviceGetCount, "cuDeviceGetCount", (int *count))                                 \
	X(DeviceGet, "cuDeviceGet", (CUdevice *dev, int ordinal))                           \
	X(DeviceGetByPCIBusId, "cuDeviceGetByPCIBusId", (CUdevice *dev, const char *bdf))   \
	X(DeviceGetPCIBusId, "cuDeviceGetPCIBusId", (char *bdf, int len, CUdevice dev))     \
	X(DeviceGetName, "cuDeviceGetName", (char *name, int len, CUdevice dev))            \
	X(CtxCreate, "cuCtxCreate_v2", (CUcontext *ctx, unsigned int flags, CUdevice dev))  \
	X(CtxDestroy, "cuCtxDestroy_v2", (CUcontext ctx))                                   \
	X(MemAlloc, "cuMemAlloc_v2", (CUdeviceptr *p, size_t bytes))                        \
	X(MemFree, "cuMemFree_v2", (CUdeviceptr p))                                         \
	X(MemsetD8, "cuMemsetD8_v2", (CUdeviceptr p, unsigned char v, size_t n))            \
	X(MemHostRegister, "cuMemHostRegister_v2", (void *p, size_t bytes, unsigned int fl)) \
	X(MemHostUnregister, "cuMemHostUnregister", (void *p))                              \
	X(MemHostGetDevicePointer, "cuMemHostGetDevicePointer_v2",                          \
	  (CUdeviceptr *dp, void *p, unsigned int flags))                                   \
	X(MemcpyHtoD, "cuMemcpyHtoD_v2", (CUdeviceptr dst, const void *src, size_t n))      \
	X(MemcpyDtoH, "cuMemcpyDtoH_v2", (void *dst, CUdeviceptr src, size_t n))            \
	X(MemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                                          \
	  (CUdeviceptr dst, const void *src, size_t n, CUstream s))                         \
	X(MemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2",                                          \
	  (void *dst, CUdeviceptr src, size_t n, CUstream s))                               \
	X(StreamCreate, "cuStreamCreate", (CUstream *s, unsigned int flags))                \
	X(StreamDestroy, "cuStreamDestroy_v2", (CUstream s))                                \
	X(StreamSynchronize, "cuStreamSynchronize", (CUstream s))                           \
	X(EventCreate, "cuEventCreate", (CUevent *e, unsigned int flags))                   \
	X(EventDestroy, "cuEventDestroy_v2", (CUevent e))                                   \
	X(EventRecord, "cuEventRecord", (CUevent e, CUstream s))                            \
	X(EventSynchronize, "cuEventSynchronize", (CUevent e))                              \
	X(EventElapsedTime, "cuEventElapsedTime", (float *ms, CUevent a, CUevent b))        \
	X(ModuleLoadDataEx, "cuModuleLoadDataEx",                                           \
	  (CUmodule *m, const void *image, unsigned int nopt, int *opts, void **vals))      \
	X(ModuleGetFunction, "cuModuleGetFunction", (CUfunction *f, CUmodule m, const char *n)) \
	X(LaunchKernel, "cuLaunchKernel",                                                   \
	  (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,  \
	   unsigned int by, unsigned int bz, unsigned int shmem, CUstream s, void **params,  \
	   void **extra))

#define CU_FIELD(f, sym, args) CUresult (*f) args;
struct cu_api {
	CU_API(CU_FIELD)
};
#undef CU_FIELD

/* cuda_driver.c: the driver, loaded once (cu_load) and kept for the run. */
struct cu_driver {
	bool loaded;	/* dlopen + symbols + cuInit tried */
	char why[256];	/* "" = usable */
	void *lib;
	struct cu_api f;
	int ndev;
	/* the library's iommubench_fake_driver string: a test double (the
	 * fake driver), whose rows say so in params.simulated; NULL = real */
	const char *fake;
};
extern struct cu_driver cu_drv;

/* dlopen, every symbol, cuInit, the device count; once (cu_drv.why says why not). */
void cu_load(void);
/* The driver's name for r ("CUDA error N" without one). */
const char *cu_err(CUresult r);

/* cuda_kernels.c: the kernels (ib_spin, ib_chase, ib_copy), JIT-compiled;
 * a failure quotes the JIT's error log. */
int cu_load_ptx(CUmodule *mod, char *err, size_t errlen);

#endif
