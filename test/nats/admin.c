/*
 * admin.c - nats-admin, the tests' JetStream helper (the `nats` CLI is
 * not packaged in Debian 12): create streams, count and dump their
 * messages, publish test messages. Output is plain text for sh.
 *
 *   nats-admin -s URLS [--user U --password P] [--tls-ca F] COMMAND ...
 *     stream-add NAME SUBJECT DUP_WINDOW_MS REPLICAS
 *     stream-count NAME            -> "MSGS LAST_SEQ"
 *     dump NAME                    -> "SEQ<TAB>MSG_ID<TAB>SUBJECT<TAB>BODY"
 *     publish SUBJECT N PREFIX     -> N messages "PREFIX I", I = 1..N,
 *                                     with Nats-Msg-Id PREFIX/I
 *     ping                         -> exit 0 once JetStream answers
 *
 * Exits 0, or 1 with one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

static natsConnection *nc;
static jsCtx          *js;

static int
die(const char *what, natsStatus s)
{
	natsStatus  last;
	const char *t = nats_GetLastError(&last);

	fprintf(stderr, "nats-admin: %s: %s\n", what,
	    t != NULL && t[0] != '\0' ? t : natsStatus_GetText(s));
	return 1;
}

static int
stream_add(char **a)
{
	jsStreamConfig cfg;
	jsStreamInfo  *si = NULL;
	jsErrCode      jerr = 0;
	const char    *subjects[1] = { a[1] };
	natsStatus     s;

	jsStreamConfig_Init(&cfg);
	cfg.Name        = a[0];
	cfg.Subjects    = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage     = js_FileStorage;
	cfg.Duplicates  = atoll(a[2]) * 1000000LL;
	cfg.Replicas    = atoll(a[3]);
	if ((s = js_AddStream(&si, js, &cfg, NULL, &jerr)) != NATS_OK) {
		return die("stream-add", s);
	}
	jsStreamInfo_Destroy(si);
	return 0;
}

static int
stream_count(char **a)
{
	jsStreamInfo *si = NULL;
	natsStatus    s;

	if ((s = js_GetStreamInfo(&si, js, a[0], NULL, NULL)) != NATS_OK) {
		return die("stream-count", s);
	}
	printf("%llu %llu\n", (unsigned long long) si->State.Msgs,
	    (unsigned long long) si->State.LastSeq);
	jsStreamInfo_Destroy(si);
	return 0;
}

/* Every message of the stream, in stream order, by an ordered consumer. */
static int
dump(char **a)
{
	jsStreamInfo     *si = NULL;
	jsSubOptions      so;
	natsSubscription *sub = NULL;
	natsMsg          *m;
	jsMsgMetaData    *meta;
	natsStatus        s;
	uint64_t          i, total;
	const char       *id;

	if ((s = js_GetStreamInfo(&si, js, a[0], NULL, NULL)) != NATS_OK) {
		return die("dump", s);
	}
	total = si->State.Msgs;
	jsSubOptions_Init(&so);
	so.Stream  = a[0];
	so.Ordered = true;
	s = js_SubscribeSync(&sub, js, si->Config->Subjects[0], NULL, &so,
	    NULL);
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK) {
		return die("dump: subscribe", s);
	}
	for (i = 0; i < total; i++) {
		if ((s = natsSubscription_NextMsg(&m, sub, 10000)) != NATS_OK) {
			natsSubscription_Destroy(sub);
			return die("dump: next", s);
		}
		if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK) {
			id = "-";
		}
		meta = NULL;
		natsMsg_GetMetaData(&meta, m);
		printf("%llu\t%s\t%s\t%.*s\n",
		    meta != NULL ? (unsigned long long) meta->Sequence.Stream
		                 : 0ULL,
		    id, natsMsg_GetSubject(m), natsMsg_GetDataLength(m),
		    natsMsg_GetData(m));
		jsMsgMetaData_Destroy(meta);
		natsMsg_Destroy(m);
	}
	natsSubscription_Destroy(sub);
	return 0;
}

static int
publish(char **a)
{
	jsPubOptions po;
	char         body[256], id[256];
	long         i, n = atol(a[1]);
	natsStatus   s;

	for (i = 1; i <= n; i++) {
		snprintf(body, sizeof(body), "%s %ld", a[2], i);
		snprintf(id, sizeof(id), "%s/%ld", a[2], i);
		jsPubOptions_Init(&po);
		po.MsgId = id;
		if ((s = js_PublishAsync(js, a[0], body, (int) strlen(body),
		         &po)) != NATS_OK) {
			return die("publish", s);
		}
	}
	jsPubOptions_Init(&po);
	po.MaxWait = 20000;
	if ((s = js_PublishAsyncComplete(js, &po)) != NATS_OK) {
		return die("publish: PubAcks", s);
	}
	return 0;
}

static int
ping(void)
{
	jsAccountInfo *ai = NULL;
	natsStatus     s;

	if ((s = js_GetAccountInfo(&ai, js, NULL, NULL)) != NATS_OK) {
		return die("ping", s);
	}
	jsAccountInfo_Destroy(ai);
	return 0;
}

int
main(int argc, char **argv)
{
	natsOptions *o;
	const char  *servers[16];
	char        *urls = NULL, *tok, *save = NULL;
	const char  *user = NULL, *password = NULL, *ca = NULL;
	int          i = 1, ns = 0, rc;
	natsStatus   s;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-s") == 0) {
			urls = argv[i + 1];
		} else if (strcmp(argv[i], "--user") == 0) {
			user = argv[i + 1];
		} else if (strcmp(argv[i], "--password") == 0) {
			password = argv[i + 1];
		} else if (strcmp(argv[i], "--tls-ca") == 0) {
			ca = argv[i + 1];
		}
	}
	if (urls == NULL || i >= argc) {
		fprintf(stderr, "usage: nats-admin -s URLS COMMAND ...\n");
		return 2;
	}
	for (tok = strtok_r(urls, ",", &save); tok != NULL && ns < 16;
	     tok = strtok_r(NULL, ",", &save)) {
		servers[ns++] = tok;
	}
	natsOptions_Create(&o);
	natsOptions_SetServers(o, servers, ns);
	natsOptions_SetTimeout(o, 2000);
	if (user != NULL) {
		natsOptions_SetUserInfo(o, user, password);
	}
	if (ca != NULL) {
		natsOptions_SetSecure(o, true);
		natsOptions_LoadCATrustedCertificates(o, ca);
	}
	if ((s = natsConnection_Connect(&nc, o)) != NATS_OK) {
		return die("connect", s);
	}
	natsOptions_Destroy(o);
	if ((s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK) {
		return die("jetstream", s);
	}
	if (strcmp(argv[i], "stream-add") == 0 && argc - i == 5) {
		rc = stream_add(argv + i + 1);
	} else if (strcmp(argv[i], "stream-count") == 0 && argc - i == 2) {
		rc = stream_count(argv + i + 1);
	} else if (strcmp(argv[i], "dump") == 0 && argc - i == 2) {
		rc = dump(argv + i + 1);
	} else if (strcmp(argv[i], "publish") == 0 && argc - i == 4) {
		rc = publish(argv + i + 1);
	} else if (strcmp(argv[i], "ping") == 0 && argc - i == 1) {
		rc = ping();
	} else {
		fprintf(stderr, "nats-admin: unknown command or arguments\n");
		rc = 2;
	}
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_CloseAndWait(2000);
	return rc;
}
