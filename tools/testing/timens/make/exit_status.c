// SPDX-License-Identifier: GPL-2.0
/*
 * A GNU make plugin with one function, $(exit-status N): make exits with
 * status N at once. make itself can only exit 0, 1 or 2, but "make run"
 * promises the guest command's own exit status.
 */
#include <stdlib.h>
#include <gnumake.h>

int plugin_is_GPL_compatible;

static char *exit_status(const char *name, unsigned int argc, char **argv)
{
	exit(atoi(argv[0]));
}

int exit_status_gmk_setup(const gmk_floc *floc)
{
	gmk_add_function("exit-status", exit_status, 1, 1, GMK_FUNC_DEFAULT);
	return 1;
}
