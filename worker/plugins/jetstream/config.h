/*
 * config.h - the config string of the jetstream plugins (sink and
 * source), parsed once in init_info(): "key=value" entries separated by
 * ';' or newlines (pipeproc-jetstream(7)).
 */
#ifndef PP_JETSTREAM_CONFIG_H
#define PP_JETSTREAM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSCONF_SERVERS_MAX 16

typedef struct jsconf {
	char   *servers[JSCONF_SERVERS_MAX]; /* nats:// or tls:// URLs */
	int     nservers;
	char   *subject;   /* sink: with {topic} and {seq} */
	char   *stream;    /* the JetStream stream */
	char   *consumer;  /* source: the durable pull consumer */
	char   *user;      /* from the credentials file */
	char   *password;
	char   *token;
	char   *tls_ca;    /* file names */
	char   *tls_cert;
	char   *tls_key;
	char   *id_prefix; /* instead of the node id in Nats-Msg-Id */
	int64_t timeout_ms; /* a PubAck, a fetch, a connect: default 5000 */
	int64_t batch;      /* source: messages per fetch, default 256 */
	int64_t ack_wait_ms; /* source: the consumer's AckWait, 30000 */
	bool    is_envelope; /* source: headers=envelope (else drop) */
} jsconf;

/*
 * jsconf_parse - fill c from text. Every key is known or refused, and
 * the credentials file is read now, so a bad config fails at creation.
 * Returns 0, or -1 with a one-line reason in err. On error c holds
 * nothing to free; on success free it with jsconf_fini().
 */
int jsconf_parse(const char *text, jsconf *c, char *err, size_t errlen);

/* jsconf_fini - free what jsconf_parse() filled in. */
void jsconf_fini(jsconf *c);

#endif
