/* SPDX-License-Identifier: GPL-2.0 */
/* Sub-commands of the iommubench CLI; main.c dispatches to these. */
#ifndef IB_COMMANDS_H
#define IB_COMMANDS_H

/* Each returns a contract exit code (0 ok, 1 usage, 2 failed, 3 missing
 * resource, 4 skipped). argv[0] is the sub-command name. */
int cmd_run(int argc, char **argv);	  /* harness core */
int cmd_rerun(int argc, char **argv);	  /* harness core */
int cmd_info(int argc, char **argv);	  /* harness core: GET_INFO */
int cmd_help(int argc, char **argv);	  /* harness core */
int cmd_compare(int argc, char **argv);	  /* compare.c */
int cmd_lab_merge(int argc, char **argv); /* lab_merge.c */
int cmd_lab_count(int argc, char **argv); /* lab_count.c */
int cmd_report(int argc, char **argv);	  /* report.c */
int cmd_finish(int argc, char **argv);	  /* finish.c: merge + derive + report */
int cmd_derive(int argc, char **argv);	  /* derive.c: derived rows */
int cmd_export(int argc, char **argv);	  /* export.c: one tidy CSV across runs */
int cmd_table(int argc, char **argv);	  /* table.c: the fleet table (HTML, CSV, LaTeX) */
int cmd_reproduce(int argc, char **argv);  /* reproduce.c: rerun, a verdict per row */

#endif
