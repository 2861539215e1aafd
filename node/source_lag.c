/*
 * source_lag.c - the reports of the workers that run sources: per source
 * name, the producer key its plugin commits as, the newest sequence
 * upstream and when that came. One process-wide table (as metrics.c),
 * since reader threads write it (srcreport) and read it (stats, HTTP).
 *
 * Each report, and each walk that computes a lag, also notes the key's
 * stored sequence (stored_seen, the highest seen): the node forgets a
 * key idle past its dedupe window, and an idle source must not then show
 * its whole stream as lag.
 *
 * Nothing is persisted: after a restart the node knows no upstream until
 * the next report, and says so (pp_source_info.has_report) instead of
 * showing a lag of 0. A report is tied to the creation time of its
 * source's record, so a source removed and created again under the same
 * name never shows its predecessor's figures.
 *
 * Design notes: one mutex over a small array; a report for a name not in
 * the store is refused (PP_ENOSYSPROC), so only sources that existed
 * take a slot. The array holds at most REPORTS_MAX of them: when full,
 * the oldest report makes room (its source shows "unknown" until it
 * reports again, within about a second while it runs).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "source_lag.h"

#define REPORTS_MAX 4096

typedef struct report {
	char                name[PP_TOPIC_MAX + 1];
	uint64_t            created_ms; /* of the source's record */
	store_source_report r;
} report;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static report         *reports; /* under lock */
static size_t          nreports;
static size_t          cap;

/* The slot of `name`, a new one, or the oldest one; NULL when out of
 * memory. Called with lock held. */
static report *
slot_for(const char *name)
{
	report *r;
	size_t  i, oldest = 0;

	for (i = 0; i < nreports; i++) {
		if (strcmp(reports[i].name, name) == 0) {
			return &reports[i];
		}
		if (reports[i].r.reported_ms <
		    reports[oldest].r.reported_ms) {
			oldest = i;
		}
	}
	if (nreports == REPORTS_MAX) {
		return &reports[oldest];
	}
	if (nreports == cap) {
		size_t ncap = cap != 0 ? cap * 2 : 16;

		if ((r = realloc(reports, ncap * sizeof(*r))) == NULL) {
			return NULL;
		}
		reports = r;
		cap     = ncap;
	}
	memset(&reports[nreports], 0, sizeof(reports[nreports]));
	return &reports[nreports++];
}

void
source_lag_answer(store *s, const ppi_request *req, ppi_buf *reply)
{
	char      name[PP_TOPIC_MAX + 1];
	char      key[PP_PRODUCER_MAX + 1];
	uint64_t  created_ms, stored = 0;
	report   *r;
	bool      is_same;
	int       rv;

	if (req->name.len == 0 || req->name.len > PP_TOPIC_MAX) {
		ppi_wire_reply_error(reply, PP_EINVALID_NAME,
		    "source name must match [A-Za-z0-9_.-]{1,200}");
		return;
	}
	if (!ppi_wire_producer_key_valid(req->key.ptr, req->key.len)) {
		ppi_wire_reply_error(reply, PP_EINVAL,
		    "producer key must be 1 to 200 bytes of visible ASCII");
		return;
	}
	if ((rv = store_source_check(s, &req->name, &req->key, &created_ms,
	         &stored)) != 0) {
		ppi_wire_reply_error(reply, rv,
		    rv == PP_ENOSYSPROC ? "no source of that name"
		                        : "cannot read the store");
		return;
	}
	memcpy(name, req->name.ptr, req->name.len);
	name[req->name.len] = '\0';
	memcpy(key, req->key.ptr, req->key.len);
	key[req->key.len] = '\0';
	pthread_mutex_lock(&lock);
	if ((r = slot_for(name)) != NULL) {
		/* The stored floor carries over only within one source and
		 * key: the same name's slot may hold another one's. */
		is_same = strcmp(r->name, name) == 0 &&
		    r->created_ms == created_ms &&
		    strcmp(r->r.producer, key) == 0;
		if (!is_same || stored > r->r.stored_seen) {
			r->r.stored_seen = stored;
		}
		memcpy(r->name, name, req->name.len + 1);
		r->created_ms = created_ms;
		memcpy(r->r.producer, key, req->key.len + 1);
		r->r.head        = req->head;
		r->r.reported_ms = ppi_clock_ms(CLOCK_REALTIME);
	}
	pthread_mutex_unlock(&lock);
	if (r == NULL) {
		ppi_wire_reply_error(reply, PP_ENOMEM, "out of memory");
		return;
	}
	ppi_wire_reply_ok(reply);
}

static bool
reports_get(const char *name, uint64_t created_ms, store_source_report *out)
{
	bool   has = false;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nreports; i++) {
		if (strcmp(reports[i].name, name) == 0) {
			has = reports[i].created_ms == created_ms;
			if (has) {
				*out = reports[i].r;
			}
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return has;
}

/* A walk read `stored` for the key of a report: raise its floor. */
static void
reports_seen(const char *name, uint64_t created_ms, const char *key,
    uint64_t stored)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nreports; i++) {
		if (strcmp(reports[i].name, name) == 0 &&
		    reports[i].created_ms == created_ms &&
		    strcmp(reports[i].r.producer, key) == 0 &&
		    stored > reports[i].r.stored_seen) {
			reports[i].r.stored_seen = stored;
		}
	}
	pthread_mutex_unlock(&lock);
}

const store_source_reports source_lag_reports = { reports_get,
	reports_seen };

void
source_lag_clear(void)
{
	pthread_mutex_lock(&lock);
	free(reports);
	reports  = NULL;
	nreports = cap = 0;
	pthread_mutex_unlock(&lock);
}
