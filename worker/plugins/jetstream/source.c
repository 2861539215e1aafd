/*
 * source.c - the `jetstream` plugin as a source: a stream's messages into
 * the source's topics, exactly once, in stream order
 * (pipeproc-jetstream(7), "Source").
 *
 * A round fetches a batch from a durable pull consumer, commits the
 * messages it has not committed yet in one transaction as the idempotent
 * producer "jetstream/<stream>/<consumer>" with the batch's last stream
 * sequence, then acks them. A crash anywhere leaves JetStream
 * redelivering what was not acked, and the node refusing (PP_EDUPLICATE)
 * what it already has.
 *
 * The node's producer table is the cursor; the consumer is only a way to
 * read from it. Whenever a round cannot be sure what JetStream delivered
 * (the runner just started, a fetch or a commit failed, a gap appeared in
 * the stream sequences), the next round positions the consumer again: it
 * deletes it and creates it anew at the first sequence after
 * max(the node's last applied sequence, the consumer's ack floor, what
 * this runner committed). So no message delivered to an earlier runner,
 * or lost on the way, can ever be overtaken by a later one, which the
 * sequence check of the producer table would then refuse as a duplicate.
 * A message whose sequence is not above the last committed one (an ack
 * that got lost) is acked without being committed again.
 *
 * Lag: after every fetch the round reports (src->report, when the host
 * has it) the newest stream sequence the consumer can get, from the last
 * message's metadata (its stream sequence plus the messages pending
 * after it); a fetch that times out asks the consumer info instead
 * (delivered stream sequence plus pending), at most once a second. The
 * node shows that minus the producer key's stored sequence as the lag.
 * The report comes before the commit, so a source that cannot commit
 * still shows how far behind it is.
 *
 * Design notes: the host calls source() from one thread at a time (one
 * runner per node, worker/source.c), so the state needs no lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "jetstream.h"

#define FETCH_WAIT_MS 1000
/* An idle source asks the consumer info for the lag at most this often. */
#define IDLE_REPORT_MS 1000
#define PRODUCER_MAX 200
/* PP_EDUPLICATE of pipeproc.h, which plugins do not include. */
#define ERR_DUPLICATE (-45)

typedef struct jsource {
	int               kind; /* JS_SOURCE */
	jsconf            c;
	natsConnection   *nc;
	jsCtx            *js;
	natsSubscription *sub;
	char              producer[PRODUCER_MAX + 1];
	bool              is_positioned;
	bool              has_expected; /* `expected` holds */
	uint64_t          last;     /* the last stream seq committed */
	uint64_t          expected; /* the next stream seq we should get */
	pp_plugin_body   *bodies;   /* a round's, reused */
	char            **envelopes;
	size_t            cap;
	bool              has_report;   /* the host's src has report() */
	int64_t           idle_info_ms; /* last consumer info when idle */
} jsource;

int
jsource_init(const pp_plugin_info *info, void **state, char *err,
    size_t errlen)
{
	jsource  *s;
	jsOptions jo;
	char      why[512];
	int64_t   dup = 0;
	int       rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		return 1;
	}
	s->kind       = JS_SOURCE;
	s->has_report = PP_PLUGIN_SOURCE_HAS_REPORT(info);
	if (jsconf_parse(info->config, &s->c, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "jetstream: config: %s", why);
		goto fail;
	}
	if (s->c.consumer == NULL) {
		snprintf(err, errlen, "jetstream: config: consumer: required "
		    "for a source (the durable pull consumer's name)");
		goto fail;
	}
	if ((size_t) snprintf(s->producer, sizeof(s->producer),
	        "jetstream/%s/%s", s->c.stream, s->c.consumer) >=
	    sizeof(s->producer)) {
		snprintf(err, errlen, "jetstream: stream and consumer names "
		    "too long for a producer key (%d bytes)", PRODUCER_MAX);
		goto fail;
	}
	if (jsconn_open(&s->c, info->is_check != 0, &s->nc, why,
	        sizeof(why)) != 0) {
		snprintf(err, errlen, "jetstream: %s", why);
		goto fail;
	}
	jsOptions_Init(&jo);
	jo.Wait = s->c.timeout_ms;
	if (natsConnection_JetStream(&s->js, s->nc, &jo) != NATS_OK) {
		snprintf(err, errlen, "jetstream: out of memory");
		goto fail;
	}
	/* The stream must exist; a worker that cannot ask yet goes on. */
	rc = jsconn_dup_window(s->nc, s->c.stream, s->c.timeout_ms, &dup, why,
	    sizeof(why));
	if (rc == 1 || (rc < 0 && info->is_check)) {
		snprintf(err, errlen, "jetstream: %s", why);
		goto fail;
	}
	*state = s;
	return 0;

fail:
	jsource_fini(s);
	return 1;
}

void
jsource_fini(void *state)
{
	jsource *s = state;
	size_t   i;

	if (s == NULL) {
		return;
	}
	natsSubscription_Destroy(s->sub);
	jsCtx_Destroy(s->js);
	natsConnection_Destroy(s->nc);
	for (i = 0; s->envelopes != NULL && i < s->cap; i++) {
		free(s->envelopes[i]);
	}
	free(s->envelopes);
	free(s->bodies);
	jsconf_fini(&s->c);
	free(s);
}

/* Deletes the consumer and creates it at `start`, then binds to it. */
static int
create_consumer(jsource *s, uint64_t start, char *why, size_t len)
{
	jsConsumerConfig cc;
	jsConsumerInfo  *ci = NULL;
	jsSubOptions     so;
	jsErrCode        jerr = 0;
	natsStatus       st;

	natsSubscription_Destroy(s->sub);
	s->sub = NULL;
	st = js_DeleteConsumer(s->js, s->c.stream, s->c.consumer, NULL,
	    &jerr);
	if (st != NATS_OK && st != NATS_NOT_FOUND) {
		jsconn_reason(why, len, "jetstream: delete consumer", st);
		return -1;
	}
	jsConsumerConfig_Init(&cc);
	cc.Durable       = s->c.consumer;
	cc.AckPolicy     = js_AckExplicit;
	cc.AckWait       = s->c.ack_wait_ms * 1000000LL;
	cc.MaxAckPending = s->c.batch * 4;
	if (start > 1) {
		cc.DeliverPolicy = js_DeliverByStartSequence;
		cc.OptStartSeq   = start;
	} else {
		cc.DeliverPolicy = js_DeliverAll;
	}
	st = js_AddConsumer(&ci, s->js, s->c.stream, &cc, NULL, &jerr);
	if (st != NATS_OK) {
		jsconn_reason(why, len, "jetstream: create consumer", st);
		return -1;
	}
	jsConsumerInfo_Destroy(ci);
	jsSubOptions_Init(&so);
	so.Stream   = s->c.stream;
	so.Consumer = s->c.consumer;
	st = js_PullSubscribe(&s->sub, s->js, NULL, s->c.consumer, NULL, &so,
	    &jerr);
	if (st != NATS_OK) {
		jsconn_reason(why, len, "jetstream: pull subscribe", st);
		return -1;
	}
	return 0;
}

/*
 * Puts the consumer right after what is committed: the node's last
 * applied sequence of our key, the consumer's ack floor (acked means
 * committed, and survives the node forgetting an idle key) and what
 * this runner committed, whichever is highest.
 */
static int
position(jsource *s, pp_plugin_source *src, char *why, size_t len)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode       jerr = 0;
	uint64_t        node_last = 0, start;
	natsStatus      st;
	int             rv;

	if ((rv = src->last_seq(src, s->producer, &node_last)) != 0) {
		snprintf(why, len, "jetstream: cannot read the last sequence "
		    "of producer %s from the node (error %d)", s->producer,
		    rv);
		return -1;
	}
	start = node_last > s->last ? node_last : s->last;
	st = js_GetConsumerInfo(&ci, s->js, s->c.stream, s->c.consumer, NULL,
	    &jerr);
	if (st == NATS_OK) {
		if (ci->AckFloor.Stream > start) {
			start = ci->AckFloor.Stream;
		}
		jsConsumerInfo_Destroy(ci);
	} else if (st != NATS_NOT_FOUND) {
		jsconn_reason(why, len, "jetstream: consumer info", st);
		return -1;
	}
	if (create_consumer(s, start + 1, why, len) != 0) {
		return -1;
	}
	s->last          = start;
	s->has_expected  = false;
	s->is_positioned = true;
	return 0;
}

/* Room for n bodies (and envelopes). */
static bool
reserve(jsource *s, size_t n)
{
	pp_plugin_body *b;
	char          **e;

	if (n <= s->cap) {
		return true;
	}
	if ((b = realloc(s->bodies, n * sizeof(*b))) == NULL) {
		return false;
	}
	s->bodies = b;
	if ((e = realloc(s->envelopes, n * sizeof(*e))) == NULL) {
		return false;
	}
	memset(e + s->cap, 0, (n - s->cap) * sizeof(*e));
	s->envelopes = e;
	s->cap       = n;
	return true;
}

/*
 * The body of message m at index i: its data, or with headers=envelope
 * "SUBJECT<TAB>MSG-ID<LF>" then the data (MSG-ID "-" when none).
 */
static bool
body_of(jsource *s, natsMsg *m, size_t i)
{
	const char *id = NULL, *subj = natsMsg_GetSubject(m);
	const char *data = natsMsg_GetData(m);
	int         dlen = natsMsg_GetDataLength(m);
	size_t      hlen;
	char       *e;

	if (!s->c.is_envelope) {
		s->bodies[i].body = data;
		s->bodies[i].len  = (size_t) dlen;
		return true;
	}
	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK ||
	    id == NULL) {
		id = "-";
	}
	hlen = strlen(subj) + 1 + strlen(id) + 1;
	free(s->envelopes[i]);
	if ((e = s->envelopes[i] = malloc(hlen + (size_t) dlen + 1)) == NULL) {
		return false;
	}
	snprintf(e, hlen + 1, "%s\t%s\n", subj, id);
	memcpy(e + hlen, data, (size_t) dlen);
	s->bodies[i].body = e;
	s->bodies[i].len  = hlen + (size_t) dlen;
	return true;
}

/* Acks msgs[0..n); a lost ack only means a redelivery we skip. */
static void
ack_all(natsMsg **msgs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		natsMsg_Ack(msgs[i], NULL);
	}
}

/*
 * An idle round: the consumer's view of the stream, at most once every
 * IDLE_REPORT_MS. Best effort: a failed question or report changes
 * nothing (the next one tries again).
 */
static void
report_idle(jsource *s, pp_plugin_source *src)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode       jerr = 0;
	int64_t         now = nats_Now();

	if (!s->has_report || now - s->idle_info_ms < IDLE_REPORT_MS) {
		return;
	}
	s->idle_info_ms = now;
	if (js_GetConsumerInfo(&ci, s->js, s->c.stream, s->c.consumer, NULL,
	        &jerr) != NATS_OK) {
		return;
	}
	src->report(src, s->producer, ci->Delivered.Stream + ci->NumPending);
	jsConsumerInfo_Destroy(ci);
}

int
jsource_round(void *state, pp_plugin_source *src)
{
	jsource    *s = state;
	natsMsgList list = { NULL, 0 };
	natsMsg   **fresh = NULL;
	jsMsgMetaData *meta;
	jsErrCode   jerr = 0;
	natsStatus  st;
	uint64_t    seq, top = 0, head = 0;
	size_t      i, n = 0;
	char        why[400];
	int         rv = 0;

	if (!s->is_positioned &&
	    position(s, src, why, sizeof(why)) != 0) {
		src->fail(src, why);
		return 1;
	}
	st = natsSubscription_Fetch(&list, s->sub, (int) s->c.batch,
	    FETCH_WAIT_MS, &jerr);
	if (st == NATS_TIMEOUT) {
		report_idle(s, src);
		return 0; /* nothing new */
	}
	if (st != NATS_OK) {
		jsconn_reason(why, sizeof(why), "jetstream: fetch", st);
		s->is_positioned = false;
		src->fail(src, why);
		return 1;
	}
	if (list.Count <= 0) {
		natsMsgList_Destroy(&list);
		report_idle(s, src);
		return 0;
	}
	if (!reserve(s, (size_t) list.Count) ||
	    (fresh = calloc((size_t) list.Count, sizeof(*fresh))) == NULL) {
		natsMsgList_Destroy(&list);
		src->fail(src, "jetstream: out of memory");
		return 1;
	}
	for (i = 0; i < (size_t) list.Count; i++) {
		natsMsg *m = list.Msgs[i];

		meta = NULL;
		if (natsMsg_GetMetaData(&meta, m) != NATS_OK) {
			snprintf(why, sizeof(why), "jetstream: a message "
			    "without JetStream metadata");
			rv = 1;
			break;
		}
		seq = meta->Sequence.Stream;
		if (seq + meta->NumPending > head) {
			head = seq + meta->NumPending;
		}
		jsMsgMetaData_Destroy(meta);
		if (seq <= s->last) {
			natsMsg_Ack(m, NULL); /* committed: its ack was lost */
			continue;
		}
		if (s->has_expected && seq != s->expected) {
			/* Something was lost on the way or is still held
			 * elsewhere: never let a later message overtake it. */
			snprintf(why, sizeof(why), "jetstream: stream sequence "
			    "%llu where %llu was due; repositioning",
			    (unsigned long long) seq,
			    (unsigned long long) s->expected);
			rv = 1;
			break;
		}
		if (!body_of(s, m, n)) {
			snprintf(why, sizeof(why), "jetstream: out of memory");
			rv = 1;
			break;
		}
		fresh[n++]      = m;
		top             = seq;
		s->expected     = seq + 1;
		s->has_expected = true;
	}
	if (head > 0 && s->has_report) {
		src->report(src, s->producer, head);
	}
	if (n > 0) {
		int c = src->commit(src, s->bodies, n, s->producer, top);

		if (c == 0 || c == ERR_DUPLICATE) { /* the node has them */
			s->last = top;
			ack_all(fresh, n);
		} else {
			snprintf(why, sizeof(why), "jetstream: commit of "
			    "stream sequences up to %llu failed (error %d)",
			    (unsigned long long) top, c);
			rv = 1;
		}
	}
	if (rv != 0) {
		s->is_positioned = false;
		src->fail(src, why);
	}
	free(fresh);
	natsMsgList_Destroy(&list);
	return rv;
}
