/*
 * settle.h - running a plugin on one claim and settling the claim: ack,
 * ack_commit of the outputs, or reclaim with the reason.
 */
#ifndef PP_WORKER_SETTLE_H
#define PP_WORKER_SETTLE_H

#include <stdbool.h>
#include <stddef.h>

#include "emitter.h"
#include "registry.h"
#include "system.h"

/* What one worker thread keeps from claim to claim. */
typedef struct settle_ctx {
	pp_client     *client;
	registry      *reg;
	emitter        em;
	pp_plugin_log *logs; /* the claim's logs as the plugin sees them */
	size_t         cap_logs;
	pp_id         *ids; /* of the committed outputs */
	size_t         cap_ids;
	/* A successful claim whose ack (or ack_commit of the emitter's
	 * records) goes with the next claim request: one round trip per
	 * claim instead of two (see loop.c). */
	bool           has_pending;
	char           pending_proc[PP_TOPIC_MAX + 1];
	uint64_t       pending_token;
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

/*
 * settle_pending - the successful claim settle_claim() left to go with
 * the next claim request, in *out; NULL when there is none. Its records
 * stay valid until the next settle_claim().
 */
const ppi_settle *settle_pending(settle_ctx *s, ppi_settle *out);

/*
 * settle_sent - the outcome of the request that carried the pending
 * settle: rv and is_refused as ppi_system_claim() returned them. A
 * refusal is handled as a failed ack (a reclaim with the reason, or a
 * message when the claim is no longer ours).
 */
void settle_sent(settle_ctx *s, int rv, bool is_refused);

/* settle_flush - send the pending settle on its own (before exiting).
 * Returns as settle_claim(). */
int settle_flush(settle_ctx *s);

#endif
