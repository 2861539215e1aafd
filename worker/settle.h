/*
 * settle.h - running a plugin on one claim and settling the claim: ack,
 * ack_commit of the outputs, or reclaim with the reason.
 */
#ifndef PP_WORKER_SETTLE_H
#define PP_WORKER_SETTLE_H

#include <stddef.h>

#include "emitter.h"
#include "registry.h"

/* What one worker thread keeps from claim to claim. */
typedef struct settle_ctx {
	pp_client     *client;
	registry      *reg;
	emitter        em;
	pp_plugin_log *logs; /* the claim's logs as the plugin sees them */
	size_t         cap_logs;
	pp_id         *ids; /* of the committed outputs */
	size_t         cap_ids;
} settle_ctx;

void settle_init(settle_ctx *s, pp_client *client, registry *reg);
void settle_fini(settle_ctx *s);

/*
 * settle_claim - run the plugin of systemProc t->items[sys] on the logs
 * of `claim` (from its `from` topic `proc`) and settle it. Failures of
 * the plugin or of the settling are reclaims or messages on stderr, not
 * errors: the caller goes on claiming.
 * Returns 0, or PP_ESHUTDOWN when the node said it is stopping.
 */
int settle_claim(settle_ctx *s, const ppi_systable *t, size_t sys,
    size_t proc, const pp_claim *claim);

#endif
