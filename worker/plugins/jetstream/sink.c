/*
 * sink.c - the `jetstream` plugin: a systemProc's logs into a NATS
 * JetStream stream, exactly once in effect (pipeproc-jetstream(7)).
 *
 * process() publishes every log of the claim asynchronously, each with
 * the header Nats-Msg-Id "<node id>/<topic>/<ms>-<seq>", then waits for
 * every PubAck; only then does it return 0 and let the worker ack the
 * claim. Any error or a missing PubAck fails the claim, which the node
 * hands out again: the logs already stored are published again with the
 * same ids and JetStream drops them as duplicates, as long as the
 * stream's duplicate window is longer than the time a claim can keep
 * coming back. init_info() checks that at creation: the window must cover
 * reclaim_timeout_ms x max_reclaims of the systemProc.
 *
 * Design notes: one NATS connection per instance, shared by the worker's
 * threads. Each thread publishes through its own JetStream context
 * (found with a pthread key), because js_PublishAsyncComplete() waits for
 * everything pending on a context: so a claim waits for its own PubAcks
 * only, and the error callback of a context counts the errors of the
 * claim its thread runs. The contexts live until fini(): a late callback
 * can then never touch freed memory; at worst it fails the next claim of
 * its thread, which is only a redelivery. The object is linked with
 * -z nodelete, since libnats keeps threads that must never outlive code.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipeproc_plugin.h>

#include "conn.h"
#include "jetstream.h"

#define SUBJECT_MAX 4096
#define REASON_MAX 300

typedef struct sink     sink;
typedef struct pub_ctx  pub_ctx;

/* One thread's JetStream context and the errors of its current claim. */
struct pub_ctx {
	pub_ctx        *next;
	jsCtx          *js;
	pthread_mutex_t mtx; /* the callback runs in a libnats thread */
	unsigned        nerr;
	char            reason[REASON_MAX];
};

struct sink {
	int             kind; /* JS_SINK */
	jsconf          c;
	natsConnection *nc;
	char           *prefix; /* of every Nats-Msg-Id */
	pthread_key_t   key;    /* -> this thread's pub_ctx */
	pthread_mutex_t mtx;
	pub_ctx        *ctxs; /* every context, freed by fini */
};

/* Counts a failed PubAck; keeps the first reason. */
static void
on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
	pub_ctx *p = closure;

	(void) js;
	pthread_mutex_lock(&p->mtx);
	if (p->nerr++ == 0) {
		snprintf(p->reason, sizeof(p->reason), "jetstream: publish "
		    "to %s failed: %s", natsMsg_GetSubject(pae->Msg),
		    pae->ErrText != NULL ? pae->ErrText
		                         : natsStatus_GetText(pae->Err));
	}
	pthread_mutex_unlock(&p->mtx);
}

/* Gives p a fresh JetStream context. Returns 0, or -1 with err. */
static int
ctx_open(sink *s, pub_ctx *p, char *err, size_t errlen)
{
	jsOptions  jo;
	natsStatus st;

	jsOptions_Init(&jo);
	jo.Wait                         = s->c.timeout_ms;
	jo.PublishAsync.ErrHandler        = on_pub_error;
	jo.PublishAsync.ErrHandlerClosure = p;
	/* A claim of 100,000 logs waits for room instead of failing. */
	jo.PublishAsync.MaxPending = 65536;
	jo.PublishAsync.StallWait  = s->c.timeout_ms;
	if ((st = natsConnection_JetStream(&p->js, s->nc, &jo)) != NATS_OK) {
		p->js = NULL;
		jsconn_reason(err, errlen, "jetstream", st);
		return -1;
	}
	return 0;
}

/*
 * This thread's context, made on its first claim and again after a claim
 * whose PubAcks did not all come; NULL on error.
 */
static pub_ctx *
thread_ctx(sink *s, char *err, size_t errlen)
{
	pub_ctx *p = pthread_getspecific(s->key);

	if (p != NULL) {
		if (p->js == NULL && ctx_open(s, p, err, errlen) != 0) {
			return NULL;
		}
		return p;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->mtx, NULL);
	if (ctx_open(s, p, err, errlen) != 0) {
		pthread_mutex_destroy(&p->mtx);
		free(p);
		return NULL;
	}
	pthread_mutex_lock(&s->mtx);
	p->next = s->ctxs;
	s->ctxs = p;
	pthread_mutex_unlock(&s->mtx);
	pthread_setspecific(s->key, p);
	return p;
}

/*
 * The subject of a log: the template with {topic} and {seq} (the log's
 * id, ms-seq) replaced. False when it would not fit.
 */
static bool
subject_of(const char *tmpl, const pp_plugin_log *l, char *out, size_t cap)
{
	char   id[48];
	size_t n = 0, k;

	snprintf(id, sizeof(id), "%llu-%llu", (unsigned long long) l->ms,
	    (unsigned long long) l->seq);
	while (*tmpl != '\0') {
		const char *put = NULL;

		if (strncmp(tmpl, "{topic}", 7) == 0) {
			put = l->topic;
			tmpl += 7;
		} else if (strncmp(tmpl, "{seq}", 5) == 0) {
			put = id;
			tmpl += 5;
		}
		if (put != NULL) {
			if ((k = strlen(put)) + n >= cap) {
				return false;
			}
			memcpy(out + n, put, k);
			n += k;
			continue;
		}
		if (n + 1 >= cap) {
			return false;
		}
		out[n++] = *tmpl++;
	}
	out[n] = '\0';
	return true;
}

/* The window a duplicate must be caught in, ms; -1 when unbounded. */
static int64_t
window_needed(const pp_plugin_info *info)
{
	if (info->reclaim_timeout_ms < 0 || info->max_reclaims < 0) {
		return -1;
	}
	return info->reclaim_timeout_ms *
	    (info->max_reclaims > 0 ? info->max_reclaims : 1);
}

/* Refuses a stream whose duplicate window is shorter than needed. */
static int
check_stream(sink *s, const pp_plugin_info *info, char *err, size_t errlen)
{
	int64_t need = window_needed(info), have = 0;
	int     rc;

	if (need < 0) {
		snprintf(err, errlen, "jetstream: systemProc %s redelivers "
		    "without bound (max_reclaims or reclaim_timeout_ms is "
		    "-1): no duplicate window covers that; give both a "
		    "value", info->system_proc);
		return -1;
	}
	rc = jsconn_dup_window(s->nc, s->c.stream, s->c.timeout_ms, &have,
	    err, errlen);
	if (rc == 1 || (rc < 0 && info->is_check)) {
		return -1;
	}
	if (rc < 0) {
		/* A worker starts while NATS is away; claims fail until it
		 * is back. The creation check was strict. */
		fprintf(stderr, "jetstream: %s (going on)\n", err);
		return 0;
	}
	if (need > 0 && have < need) {
		snprintf(err, errlen, "jetstream: stream %s has a duplicate "
		    "window of %lld ms, shorter than reclaim_timeout_ms x "
		    "max_reclaims = %lld ms of systemProc %s: redeliveries "
		    "could be stored twice; raise the stream's duplicate "
		    "window (nats stream edit --dupe-window) or lower the "
		    "reclaim options", s->c.stream, (long long) have,
		    (long long) need, info->system_proc);
		return -1;
	}
	return 0;
}

int
jsink_init(const pp_plugin_info *info, void **state, char *err, size_t errlen)
{
	sink       *s;
	const char *prefix;
	char        why[512];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		return 1;
	}
	s->kind = JS_SINK;
	pthread_mutex_init(&s->mtx, NULL);
	if (pthread_key_create(&s->key, NULL) != 0) {
		pthread_mutex_destroy(&s->mtx);
		free(s);
		snprintf(err, errlen, "jetstream: no thread key left");
		return 1;
	}
	if (jsconf_parse(info->config, &s->c, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "jetstream: config: %s", why);
		goto fail;
	}
	if (s->c.subject == NULL) {
		snprintf(err, errlen, "jetstream: config: subject: required "
		    "({topic} and {seq} are replaced)");
		goto fail;
	}
	prefix = s->c.id_prefix != NULL ? s->c.id_prefix : info->node_id;
	if (prefix == NULL || prefix[0] == '\0') {
		snprintf(err, errlen, "jetstream: the node gives no node id; "
		    "set id_prefix (unique per node) in the config");
		goto fail;
	}
	if ((s->prefix = strdup(prefix)) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		goto fail;
	}
	if (jsconn_open(&s->c, info->is_check != 0, &s->nc, why,
	        sizeof(why)) != 0) {
		snprintf(err, errlen, "jetstream: %s", why);
		goto fail;
	}
	if (check_stream(s, info, err, errlen) != 0) {
		goto fail;
	}
	*state = s;
	return 0;

fail:
	jsink_fini(s);
	return 1;
}

void
jsink_fini(void *state)
{
	sink    *s = state;
	pub_ctx *p, *next;

	if (s == NULL) {
		return;
	}
	for (p = s->ctxs; p != NULL; p = next) {
		next = p->next;
		jsCtx_Destroy(p->js); /* accepts NULL */
		pthread_mutex_destroy(&p->mtx);
		free(p);
	}
	natsConnection_Destroy(s->nc);
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->mtx);
	jsconf_fini(&s->c);
	free(s->prefix);
	free(s);
}

/* Drops what is still pending after a time-out; returns how many. */
static int
drop_pending(jsCtx *js)
{
	natsMsgList pending;
	int         n;

	if (js_PublishAsyncGetPendingList(&pending, js) != NATS_OK) {
		return 0;
	}
	n = pending.Count;
	natsMsgList_Destroy(&pending);
	return n;
}

int
jsink_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	sink        *s = state;
	pub_ctx     *p;
	jsPubOptions po;
	natsStatus   st = NATS_OK;
	char         subject[SUBJECT_MAX], id[SUBJECT_MAX], why[REASON_MAX];
	size_t       i;
	int          lost;

	if ((p = thread_ctx(s, why, sizeof(why))) == NULL) {
		em->fail(em, why);
		return 1;
	}
	pthread_mutex_lock(&p->mtx);
	p->nerr      = 0;
	p->reason[0] = '\0';
	pthread_mutex_unlock(&p->mtx);

	/* No MaxWait per message (libnats would track a timer for each):
	 * the wait below bounds them all. */
	jsPubOptions_Init(&po);
	po.ExpectStream = s->c.stream;
	for (i = 0; i < n && st == NATS_OK; i++) {
		if (!subject_of(s->c.subject, &logs[i], subject,
		        sizeof(subject))) {
			em->fail(em, "jetstream: subject longer than 4095 "
			    "bytes");
			st = NATS_ERR;
			break;
		}
		snprintf(id, sizeof(id), "%s/%s/%llu-%llu", s->prefix,
		    logs[i].topic, (unsigned long long) logs[i].ms,
		    (unsigned long long) logs[i].seq);
		po.MsgId = id;
		st = js_PublishAsync(p->js, subject, logs[i].body,
		    (int) logs[i].len, &po);
		if (st != NATS_OK) {
			jsconn_reason(why, sizeof(why), "jetstream: publish",
			    st);
			em->fail(em, why);
		}
	}
	/* Wait for every PubAck, also of what went out before an error. */
	jsPubOptions_Init(&po);
	po.MaxWait = s->c.timeout_ms;
	if (js_PublishAsyncComplete(p->js, &po) != NATS_OK) {
		lost = drop_pending(p->js);
		/* Start the next claim on a fresh context: whatever state
		 * libnats kept for these (a pending count, a reply
		 * subscription from before a reconnect) goes with it. A
		 * late PubAck then finds no one, and the redelivery is a
		 * duplicate JetStream drops. */
		jsCtx_Destroy(p->js);
		p->js = NULL;
		if (st == NATS_OK) {
			snprintf(why, sizeof(why), "jetstream: no PubAck for "
			    "%d of %zu logs within %lld ms", lost, n,
			    (long long) s->c.timeout_ms);
			em->fail(em, why);
			st = NATS_TIMEOUT;
		}
	}
	pthread_mutex_lock(&p->mtx);
	if (p->nerr > 0 && st == NATS_OK) {
		em->fail(em, p->reason);
		st = NATS_ERR;
	}
	pthread_mutex_unlock(&p->mtx);
	return st == NATS_OK ? 0 : 1;
}
