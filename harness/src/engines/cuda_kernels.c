// SPDX-License-Identifier: GPL-2.0
/*
 * The cuda engine's kernels: PTX text (sm_50 and later), JIT-compiled by
 * the driver (cuModuleLoadDataEx: cuModuleLoadData with the JIT's error
 * log, which a failing row quotes).
 */
#include <stdint.h>
#include <stdio.h>

#include "cuda_driver.h"

/* ---- the kernels (PTX, JIT-compiled by the driver) ---- */

/*
 * ib_spin(latch, timeout_ns, timed_out): holds its stream until the host
 * sets *latch, so that the copies queued behind it start back to back; gives
 * up after timeout_ns (then *timed_out = 1: the queue was full before the
 * host could release it).
 * ib_chase(start, warm, steps, rounds, out): follows the chain from start,
 * warm untimed steps, then `rounds` rounds of `steps` steps: out[r] = ns of
 * round r (%globaltimer), out[rounds] = the last pointer (a check).
 * ib_copy(dst, src, words): grid-stride copy of 8-byte words.
 * Pointers are generic addresses (cvta.to.global before ld/st.global);
 * loads are .cv so that no cache hides the host memory.
 */
static const char cu_ptx[] =
	".version 6.0\n"
	".target sm_50\n"
	".address_size 64\n"
	"\n"
	".visible .entry ib_spin(.param .u64 latch, .param .u64 timeout_ns,\n"
	"\t.param .u64 timed_out)\n"
	"{\n"
	"\t.reg .pred %p<3>;\n"
	"\t.reg .b32 %r<3>;\n"
	"\t.reg .b64 %rd<8>;\n"
	"\tld.param.u64 %rd1, [latch];\n"
	"\tld.param.u64 %rd2, [timeout_ns];\n"
	"\tld.param.u64 %rd3, [timed_out];\n"
	"\tcvta.to.global.u64 %rd1, %rd1;\n"
	"\tcvta.to.global.u64 %rd3, %rd3;\n"
	"\tmov.u64 %rd4, %globaltimer;\n"
	"\tadd.u64 %rd5, %rd4, %rd2;\n"
	"SPIN_WAIT:\n"
	"\tld.volatile.global.u32 %r1, [%rd1];\n"
	"\tsetp.ne.u32 %p1, %r1, 0;\n"
	"\t@%p1 bra SPIN_DONE;\n"
	"\tmov.u64 %rd6, %globaltimer;\n"
	"\tsetp.lt.u64 %p2, %rd6, %rd5;\n"
	"\t@%p2 bra SPIN_WAIT;\n"
	"\tmov.u32 %r2, 1;\n"
	"\tst.volatile.global.u32 [%rd3], %r2;\n"
	"SPIN_DONE:\n"
	"\tret;\n"
	"}\n"
	"\n"
	".visible .entry ib_chase(.param .u64 start, .param .u64 warm,\n"
	"\t.param .u64 steps, .param .u32 rounds, .param .u64 out)\n"
	"{\n"
	"\t.reg .pred %p<3>;\n"
	"\t.reg .b32 %r<4>;\n"
	"\t.reg .b64 %rd<14>;\n"
	"\tld.param.u64 %rd1, [start];\n"
	"\tld.param.u64 %rd2, [warm];\n"
	"\tld.param.u64 %rd3, [steps];\n"
	"\tld.param.u32 %r1, [rounds];\n"
	"\tld.param.u64 %rd4, [out];\n"
	"\tcvta.to.global.u64 %rd4, %rd4;\n"
	"\tmov.u64 %rd5, %rd1;\n"
	"CHASE_WARM:\n"
	"\tsetp.eq.u64 %p1, %rd2, 0;\n"
	"\t@%p1 bra CHASE_ROUNDS;\n"
	"\tcvta.to.global.u64 %rd6, %rd5;\n"
	"\tld.global.cv.u64 %rd5, [%rd6];\n"
	"\tsub.u64 %rd2, %rd2, 1;\n"
	"\tbra CHASE_WARM;\n"
	"CHASE_ROUNDS:\n"
	"\tmov.u32 %r2, 0;\n"
	"CHASE_ROUND:\n"
	"\tsetp.ge.u32 %p1, %r2, %r1;\n"
	"\t@%p1 bra CHASE_END;\n"
	"\tmov.u64 %rd7, %globaltimer;\n"
	"\tmov.u64 %rd8, %rd3;\n"
	"CHASE_STEP:\n"
	"\tsetp.eq.u64 %p2, %rd8, 0;\n"
	"\t@%p2 bra CHASE_ROUND_DONE;\n"
	"\tcvta.to.global.u64 %rd6, %rd5;\n"
	"\tld.global.cv.u64 %rd5, [%rd6];\n"
	"\tsub.u64 %rd8, %rd8, 1;\n"
	"\tbra CHASE_STEP;\n"
	"CHASE_ROUND_DONE:\n"
	"\tmov.u64 %rd9, %globaltimer;\n"
	"\tsub.u64 %rd10, %rd9, %rd7;\n"
	"\tmul.wide.u32 %rd11, %r2, 8;\n"
	"\tadd.u64 %rd12, %rd4, %rd11;\n"
	"\tst.global.u64 [%rd12], %rd10;\n"
	"\tadd.u32 %r2, %r2, 1;\n"
	"\tbra CHASE_ROUND;\n"
	"CHASE_END:\n"
	"\tmul.wide.u32 %rd11, %r1, 8;\n"
	"\tadd.u64 %rd12, %rd4, %rd11;\n"
	"\tst.global.u64 [%rd12], %rd5;\n"
	"\tret;\n"
	"}\n"
	"\n"
	".visible .entry ib_copy(.param .u64 dst, .param .u64 src,\n"
	"\t.param .u64 words)\n"
	"{\n"
	"\t.reg .pred %p<2>;\n"
	"\t.reg .b32 %r<5>;\n"
	"\t.reg .b64 %rd<12>;\n"
	"\tld.param.u64 %rd1, [dst];\n"
	"\tld.param.u64 %rd2, [src];\n"
	"\tld.param.u64 %rd3, [words];\n"
	"\tcvta.to.global.u64 %rd1, %rd1;\n"
	"\tcvta.to.global.u64 %rd2, %rd2;\n"
	"\tmov.u32 %r1, %ctaid.x;\n"
	"\tmov.u32 %r2, %ntid.x;\n"
	"\tmov.u32 %r3, %tid.x;\n"
	"\tmov.u32 %r4, %nctaid.x;\n"
	"\tmul.wide.u32 %rd4, %r1, %r2;\n"
	"\tcvt.u64.u32 %rd5, %r3;\n"
	"\tadd.u64 %rd4, %rd4, %rd5;\n"
	"\tmul.wide.u32 %rd6, %r4, %r2;\n"
	"COPY_LOOP:\n"
	"\tsetp.ge.u64 %p1, %rd4, %rd3;\n"
	"\t@%p1 bra COPY_DONE;\n"
	"\tshl.b64 %rd7, %rd4, 3;\n"
	"\tadd.u64 %rd8, %rd2, %rd7;\n"
	"\tld.global.cv.u64 %rd9, [%rd8];\n"
	"\tadd.u64 %rd10, %rd1, %rd7;\n"
	"\tst.global.u64 [%rd10], %rd9;\n"
	"\tadd.u64 %rd4, %rd4, %rd6;\n"
	"\tbra COPY_LOOP;\n"
	"COPY_DONE:\n"
	"\tret;\n"
	"}\n";

/* The kernels, JIT-compiled; a failure quotes the JIT's error log. */
int cu_load_ptx(CUmodule *mod, char *err, size_t errlen)
{
	char log[512] = "", *c;
	int opts[] = { CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
	void *vals[] = { log, (void *)(uintptr_t)sizeof(log) };
	CUresult r = cu_drv.f.ModuleLoadDataEx(mod, cu_ptx, 2, opts, vals);

	if (r == CUDA_SUCCESS)
		return 0;
	log[sizeof(log) - 1] = '\0';
	for (c = log; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	snprintf(err, errlen, "cuModuleLoadDataEx (the PTX kernels): %s%s%.300s", cu_err(r),
		 log[0] ? ": " : "", log);
	return -1;
}
