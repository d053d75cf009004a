/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommubench: fallbacks for kernel API that changed, keyed on the HAVE_*
 * feature probes of conftest.sh (conftest.h, generated at build time),
 * never on version numbers.  The module is written against the newest
 * API; this header supplies it on kernels that lack it.
 */
#ifndef IB_COMPAT_H
#define IB_COMPAT_H

#include "conftest.h"

/* 6.0 made no_llseek NULL, 6.12 removed it; NULL is what it always meant
 * next to nonseekable_open(). */
#ifndef HAVE_NO_LLSEEK
#define no_llseek NULL
#endif

/* PCI_IRQ_INTX since 6.8 (backported to 5.4.y), PCI_IRQ_LEGACY until 6.10. */
#ifndef HAVE_PCI_IRQ_INTX
#ifdef HAVE_PCI_IRQ_LEGACY
#define PCI_IRQ_INTX PCI_IRQ_LEGACY
#else
#error "iommubench: neither PCI_IRQ_INTX nor PCI_IRQ_LEGACY (see conftest.h)"
#endif
#endif

#ifndef HAVE_PIN_USER_PAGES_FAST
#error "iommubench: needs pin_user_pages_fast(start, nr_pages, gup_flags, pages) (Linux 5.6+)"
#endif

/* memset_startat() since 5.16. */
#ifndef HAVE_MEMSET_STARTAT
#define memset_startat(obj, v, member)                                         \
	memset((u8 *)(obj) + offsetof(typeof(*(obj)), member), v,              \
	       sizeof(*(obj)) - offsetof(typeof(*(obj)), member))
#endif

#endif /* IB_COMPAT_H */
