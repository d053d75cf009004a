/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Temporaries that a signal must not leave behind (issue 20 item 7).
 * Writers of report, compare, finish and lab-merge register each temporary
 * for as long as it exists (and a child, gnuplot, that writes one); the
 * handlers ib_tmp_signals() puts in front of main.c's kill the child, wait
 * for it, unlink every registered path, then go on to the handler that was
 * there (which, for these commands, dies of the signal).  Everything the
 * handler does is async-signal-safe (kill, waitpid, unlink, sigaction).
 */
#ifndef IB_TMPFILES_H
#define IB_TMPFILES_H

#include <sys/types.h>

/* Registers path (copied); a slot for ib_tmp_del, or -1 when all are taken
 * or the path is too long (then the temporary is only removed by its
 * writer). */
int ib_tmp_add(const char *path);
/* Forgets slot (after a rename or unlink); -1 is ignored. */
void ib_tmp_del(int slot);
/* The child writing a registered temporary (0: none). */
void ib_tmp_child(pid_t pid);
/* Chains the temporaries' clean-up in front of the current handlers of
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT (once; an ignored signal stays
 * ignored).  Not for run/rerun, whose first signal must let the results
 * be written. */
void ib_tmp_signals(void);
/* What the signal path does, for tests: kill and reap the child, unlink
 * every registered path.  Returns how many paths it unlinked. */
int ib_tmp_cleanup(void);

#endif
