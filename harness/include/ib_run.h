/* SPDX-License-Identifier: GPL-2.0 */
/* State shared between main.c (signals) and the run (core/point.c defines
 * it; the controller, the engines and the run loop read it). */
#ifndef IB_RUN_H
#define IB_RUN_H

#include <signal.h>

/* Set by the signal handler (SIGINT, SIGTERM, SIGHUP, SIGQUIT); the run
 * stops after the current point unless a second signal kills it. */
extern volatile sig_atomic_t ib_interrupted;

#endif
