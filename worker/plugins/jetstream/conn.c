/*
 * conn.c - the NATS side shared by the jetstream sink and source: one
 * connection per plugin instance (libnats connections are thread-safe),
 * and the check of the stream they bridge to.
 */
#include <stdio.h>
#include <string.h>

#include "conn.h"

#define RECONNECT_WAIT_MS 250
#define CONNECT_TIMEOUT_MS 2000

void
jsconn_reason(char *err, size_t errlen, const char *what, natsStatus s)
{
	natsStatus  last = NATS_OK;
	const char *text = nats_GetLastError(&last);

	if (text == NULL || text[0] == '\0' || last != s) {
		text = natsStatus_GetText(s);
	}
	snprintf(err, errlen, "%s: %s", what, text);
}

int
jsconn_open(const jsconf *c, bool is_strict, natsConnection **nc, char *err,
    size_t errlen)
{
	natsOptions *o = NULL;
	natsStatus   s;
	const char  *what = "options";

	if ((s = natsOptions_Create(&o)) != NATS_OK) {
		goto fail;
	}
	s = natsOptions_SetServers(o, (const char **) c->servers, c->nservers);
	if (s == NATS_OK) {
		s = natsOptions_SetTimeout(o, c->timeout_ms < CONNECT_TIMEOUT_MS
		        ? c->timeout_ms
		        : CONNECT_TIMEOUT_MS);
	}
	/* A bridge outlives any server: never stop reconnecting. */
	if (s == NATS_OK) {
		s = natsOptions_SetMaxReconnect(o, -1);
	}
	if (s == NATS_OK) {
		s = natsOptions_SetReconnectWait(o, RECONNECT_WAIT_MS);
	}
	if (s == NATS_OK && !is_strict) {
		s = natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
	}
	if (s == NATS_OK && c->user != NULL) {
		s = natsOptions_SetUserInfo(o, c->user, c->password);
	}
	if (s == NATS_OK && c->token != NULL) {
		s = natsOptions_SetToken(o, c->token);
	}
	if (s == NATS_OK && (c->tls_ca != NULL || c->tls_cert != NULL)) {
		what = "tls";
		s    = natsOptions_SetSecure(o, true);
		if (s == NATS_OK && c->tls_ca != NULL) {
			what = c->tls_ca;
			s    = natsOptions_LoadCATrustedCertificates(
                            o, c->tls_ca);
		}
		if (s == NATS_OK && c->tls_cert != NULL) {
			what = c->tls_cert;
			s    = natsOptions_LoadCertificatesChain(
                            o, c->tls_cert, c->tls_key);
		}
	}
	if (s != NATS_OK) {
		goto fail;
	}
	what = "connect";
	s    = natsConnection_Connect(nc, o);
	/* Retrying in the background is a success for a worker. */
	if (s == NATS_NOT_YET_CONNECTED) {
		s = NATS_OK;
	}
	if (s != NATS_OK) {
		goto fail;
	}
	natsOptions_Destroy(o);
	return 0;

fail:
	if (strcmp(what, "connect") == 0) {
		char servers[256];

		snprintf(servers, sizeof(servers), "connect to %s%s",
		    c->servers[0], c->nservers > 1 ? " (and others)" : "");
		jsconn_reason(err, errlen, servers, s);
	} else {
		jsconn_reason(err, errlen, what, s);
	}
	natsOptions_Destroy(o);
	return -1;
}

int
jsconn_dup_window(natsConnection *nc, const char *stream, int64_t timeout_ms,
    int64_t *dup_ms, char *err, size_t errlen)
{
	jsCtx        *js = NULL;
	jsOptions     jo;
	jsStreamInfo *si = NULL;
	jsErrCode     jerr = 0;
	natsStatus    s;
	char          what[300];

	jsOptions_Init(&jo);
	jo.Wait = timeout_ms;
	if ((s = natsConnection_JetStream(&js, nc, &jo)) != NATS_OK) {
		jsconn_reason(err, errlen, "jetstream", s);
		return -1;
	}
	s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
	jsCtx_Destroy(js);
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
		snprintf(err, errlen, "stream %s does not exist", stream);
		return 1;
	}
	if (s != NATS_OK) {
		snprintf(what, sizeof(what), "stream %s", stream);
		jsconn_reason(err, errlen, what, s);
		return -1;
	}
	*dup_ms = si->Config->Duplicates / 1000000;
	jsStreamInfo_Destroy(si);
	return 0;
}
