// SPDX-License-Identifier: GPL-2.0
/*
 * The cuda engine's driver (cuda_driver.h): libcuda.so.1, or
 * $IOMMUBENCH_LIBCUDA, loaded with dlopen; its functions looked up by the
 * CU_API table; cuInit and the device count.  A host without the driver or
 * without a GPU leaves the reason in cu_drv.why.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_driver.h"

struct cu_driver cu_drv;

const char *cu_err(CUresult r)
{
	static char buf[32];
	const char *n = NULL;

	if (cu_drv.f.GetErrorName && cu_drv.f.GetErrorName(r, &n) == CUDA_SUCCESS && n)
		return n;
	snprintf(buf, sizeof(buf), "CUDA error %d", r);
	return buf;
}

/* The library to load: $IOMMUBENCH_LIBCUDA (tests: the fake driver), else
 * the driver's soname. */
static const char *cu_libname(void)
{
	const char *e = getenv("IOMMUBENCH_LIBCUDA");

	return e && e[0] ? e : "libcuda.so.1";
}

void cu_load(void)
{
	const char *name = cu_libname();
	CUresult r;

	if (cu_drv.loaded)
		return;
	cu_drv.loaded = true;
	cu_drv.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!cu_drv.lib) {
		const char *e = dlerror();

		if (e && strstr(e, "No such file"))
			snprintf(cu_drv.why, sizeof(cu_drv.why), "unavailable: no %s", name);
		else
			snprintf(cu_drv.why, sizeof(cu_drv.why), "unavailable: cannot load %s: %s", name,
				 e ? e : "dlopen failed");
		return;
	}
#define CU_SYM(fld, sym, args)                                                        \
	*(void **)&cu_drv.f.fld = dlsym(cu_drv.lib, sym);                                     \
	if (!cu_drv.f.fld && !strcmp(sym, "cuEventElapsedTime")) /* CUDA 13 headers */    \
		*(void **)&cu_drv.f.fld = dlsym(cu_drv.lib, "cuEventElapsedTime_v2");         \
	if (!cu_drv.f.fld) {                                                              \
		snprintf(cu_drv.why, sizeof(cu_drv.why), "unavailable: %s has no %s (driver too old?)", \
			 name, sym);                                                  \
		return;                                                               \
	}
	CU_API(CU_SYM)
#undef CU_SYM
	cu_drv.fake = dlsym(cu_drv.lib, "iommubench_fake_driver");
	r = cu_drv.f.Init(0);
	if (r != CUDA_SUCCESS) {
		snprintf(cu_drv.why, sizeof(cu_drv.why), "unavailable: cuInit: %s", cu_err(r));
		return;
	}
	r = cu_drv.f.DeviceGetCount(&cu_drv.ndev);
	if (r != CUDA_SUCCESS || cu_drv.ndev < 1)
		snprintf(cu_drv.why, sizeof(cu_drv.why), "unavailable: cuDeviceGetCount: %s",
			 r ? cu_err(r) : "no CUDA device");
}
