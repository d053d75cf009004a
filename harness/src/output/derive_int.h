// SPDX-License-Identifier: GPL-2.0
/*
 * What derive.c (the knee, the command) and derive_reach.c (the IOTLB reach
 * rows) share.  Internal to output/.
 */
#ifndef IB_DERIVE_INT_H
#define IB_DERIVE_INT_H

#include <stddef.h>

/* The median of v[0..n) (0 when n is 0); v is not changed. */
double median_of(const double *v, size_t n);

#endif
