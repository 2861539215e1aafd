/* placeholder */
#include "cli.h"
int
cli_replay_run(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_report_fail(ctx, PP_EINVAL, "not yet");
}
