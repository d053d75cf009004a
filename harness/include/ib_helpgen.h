/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The man page and the shell completion, generated from the command table
 * (cli/main.c) and the option table (ib_options), so that neither can
 * drift from `iommubench help`: `iommubench help --man` and
 * `iommubench help --completion bash` (hidden; the Makefile's build runs
 * them into build/iommubench.1 and build/iommubench.bash-completion).
 */
#ifndef IB_HELPGEN_H
#define IB_HELPGEN_H

#include <stddef.h>
#include <stdio.h>

/* A command's name and its usage lines, as `iommubench help` prints them. */
struct ib_command_doc {
	const char *name;
	const char *usage;
};

/*
 * argv: "--man", or "--completion" "bash".  Writes the output to f; the
 * exit code (1 with one line on stderr for anything else).
 */
int ib_help_generated(FILE *f, int argc, char **argv, const struct ib_command_doc *cmds,
		      size_t ncmds);

#endif
