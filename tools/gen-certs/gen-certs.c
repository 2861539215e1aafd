/*
 * gen-certs.c - pipeproc-gen-certs: a CA, a node (server) certificate and
 * a client certificate for trying tls+tcp:// out and for the tests
 * (issue 6 item 7), plus an access token.
 *
 *   pipeproc-gen-certs DIR --host NAME_OR_IP [--host ...] [--days N]
 *                      [--ca DIR2] [--expired] [--corrupt] [--force]
 *
 * writes into DIR (created mode 0700 if missing):
 *   ca.pem ca.key           the CA (skipped with --ca: DIR2's is used)
 *   node.pem node.key       for pipeproc-node --tls-cert/--tls-key
 *   client.pem client.key   for clients --tls-cert/--tls-key
 *   token                   64 hex characters, for --token-file
 * Keys and the token are mode 0600, certificates 0644; existing files are
 * kept unless --force. Keys are EC P-256, signatures ECDSA-SHA256.
 *
 * The node certificate names every --host as a subjectAltName: dNSName
 * for names, iPAddress for IP literals, as openssl and most CAs write
 * them (pipeproc's TLS engine checks iPAddress entries itself, where
 * mbedTLS 2.28 alone compares dNSName ones only). It may serve as a client
 * certificate too (extended key usage serverAuth and clientAuth), which
 * lets the node's listener watchdog dial its own TLS listener.
 * --expired makes both leaf certificates expired yesterday; --corrupt
 * flips one byte of their signatures (PEER §18's "invalid" certificate):
 * both exist for tests of the node's and the library's errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#define MAX_HOSTS 16
#define PEM_BUF 8192

typedef struct gen {
	const char              *dir;
	const char              *ca_dir;
	const char              *hosts[MAX_HOSTS];
	int                      nhosts;
	int                      days;
	bool                     is_expired, is_corrupt, is_force;
	mbedtls_entropy_context  entropy;
	mbedtls_ctr_drbg_context drbg;
} gen;

static int
die(const char *fmt, const char *a, int err)
{
	fprintf(stderr, "pipeproc-gen-certs: ");
	fprintf(stderr, fmt, a);
	if (err != 0) {
		fprintf(stderr, ": %s", strerror(err));
	}
	fputc('\n', stderr);
	return 1;
}

/* Writes a file of `mode`; refuses to replace one unless --force. */
static int
write_file(const gen *g, const char *name, const void *data, size_t len,
    mode_t mode)
{
	char path[4096];
	int  fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;

	snprintf(path, sizeof(path), "%s/%s", g->dir, name);
	flags |= g->is_force ? O_TRUNC : O_EXCL;
	if ((fd = open(path, flags, mode)) < 0) {
		return die("cannot write %s (exists? use --force)", path, errno);
	}
	if (fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t) len ||
	    close(fd) != 0) {
		return die("cannot write %s", path, errno);
	}
	return 0;
}

static int
read_file(const char *dir, const char *name, unsigned char *buf, size_t cap)
{
	char   path[4096];
	FILE  *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		return die("cannot read %s", path, errno);
	}
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

static int
new_key(gen *g, mbedtls_pk_context *k)
{
	mbedtls_pk_init(k);
	if (mbedtls_pk_setup(k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) !=
	        0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*k),
	        mbedtls_ctr_drbg_random, &g->drbg) != 0) {
		return die("%s", "cannot generate an EC key", 0);
	}
	return 0;
}

static int
write_key(const gen *g, mbedtls_pk_context *k, const char *name)
{
	unsigned char pem[PEM_BUF];
	int           rv;

	if (mbedtls_pk_write_key_pem(k, pem, sizeof(pem)) != 0) {
		return die("%s", "cannot encode a key", 0);
	}
	rv = write_file(g, name, pem, strlen((char *) pem), 0600);
	memset(pem, 0, sizeof(pem));
	return rv;
}

/* "YYYYMMDDhhmmss" in UTC, `offset_s` from now. */
static void
x509_time(long offset_s, char *buf, size_t len)
{
	time_t    t = time(NULL) + offset_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H%M%S", &tm);
}

/* subjectAltName: dNSName [2] and iPAddress [7], written backwards. */
static int
write_san(const gen *g, unsigned char *buf, size_t cap, unsigned char **start)
{
	unsigned char *p = buf + cap, ip[16];
	size_t         len = 0, n;
	int            i, rv;

	for (i = g->nhosts - 1; i >= 0; i--) {
		const char *h = g->hosts[i];

		n = 0;
		if (inet_pton(AF_INET, h, ip) == 1) {
			n = 4;
		} else if (inet_pton(AF_INET6, h, ip) == 1) {
			n = 16;
		}
		if (n != 0) {
			if ((rv = mbedtls_asn1_write_raw_buffer(&p, buf, ip,
			         n)) < 0) {
				return rv;
			}
			len += (size_t) rv;
			len += (size_t) mbedtls_asn1_write_len(&p, buf, n);
			len += (size_t) mbedtls_asn1_write_tag(&p, buf,
			    MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7);
			continue;
		}
		if ((rv = mbedtls_asn1_write_raw_buffer(&p, buf,
		         (const unsigned char *) h, strlen(h))) < 0) {
			return rv;
		}
		len += (size_t) rv;
		len += (size_t) mbedtls_asn1_write_len(&p, buf, strlen(h));
		len += (size_t) mbedtls_asn1_write_tag(
		    &p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2);
	}
	len += (size_t) mbedtls_asn1_write_len(&p, buf, len);
	len += (size_t) mbedtls_asn1_write_tag(
	    &p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	*start = p;
	return (int) len;
}

/* extendedKeyUsage: serverAuth and/or clientAuth. */
static int
write_eku(bool is_server, unsigned char *buf, size_t cap,
    unsigned char **start)
{
	unsigned char *p   = buf + cap;
	size_t         len = 0;

	len += (size_t) mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_CLIENT_AUTH,
	    MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH));
	if (is_server) {
		len += (size_t) mbedtls_asn1_write_oid(&p, buf,
		    MBEDTLS_OID_SERVER_AUTH,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH));
	}
	len += (size_t) mbedtls_asn1_write_len(&p, buf, len);
	len += (size_t) mbedtls_asn1_write_tag(
	    &p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	*start = p;
	return (int) len;
}

/* Flips one byte of the signature at the end of a PEM certificate. */
static int
corrupt(unsigned char *pem)
{
	unsigned char der[4096], *b64 = (unsigned char *) strstr(
	                              (char *) pem, "-----\n");
	unsigned char *end = (unsigned char *) strstr((char *) pem,
	    "-----END");
	unsigned char  flat[PEM_BUF];
	size_t         n = 0, dlen, olen, i;

	if (b64 == NULL || end == NULL) {
		return -1;
	}
	for (b64 += 6; b64 < end; b64++) {
		if (*b64 != '\n') {
			flat[n++] = *b64;
		}
	}
	if (mbedtls_base64_decode(der, sizeof(der), &dlen, flat, n) != 0) {
		return -1;
	}
	der[dlen - 8] ^= 0x5a;
	if (mbedtls_base64_encode(flat, sizeof(flat), &olen, der, dlen) != 0) {
		return -1;
	}
	n = (size_t) sprintf((char *) pem, "-----BEGIN CERTIFICATE-----\n");
	for (i = 0; i < olen; i += 64) {
		n += (size_t) sprintf((char *) pem + n, "%.*s\n",
		    (int) (olen - i < 64 ? olen - i : 64), flat + i);
	}
	sprintf((char *) pem + n, "-----END CERTIFICATE-----\n");
	return 0;
}

/* Issues one certificate for `key`, signed by the CA, and writes it. */
static int
issue(gen *g, const char *name, const char *cn, mbedtls_pk_context *key,
    mbedtls_pk_context *ca_key, const char *ca_subject, int kind)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi            serial;
	unsigned char          pem[PEM_BUF], ext[1024], *p, rnd[16];
	char                   subject[300], from[16], to[16];
	long                   day = 86400;
	int                    n, rv = 1;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	snprintf(subject, sizeof(subject), "CN=%s,O=pipeproc", cn);
	if (g->is_expired && kind != 0) {
		x509_time(-2 * day, from, sizeof(from));
		x509_time(-day, to, sizeof(to));
	} else {
		x509_time(-3600, from, sizeof(from));
		x509_time((long) g->days * day, to, sizeof(to));
	}
	mbedtls_ctr_drbg_random(&g->drbg, rnd, sizeof(rnd));
	rnd[0] &= 0x7f;
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, key);
	mbedtls_x509write_crt_set_issuer_key(&w, ca_key);
	if (mbedtls_mpi_read_binary(&serial, rnd, sizeof(rnd)) != 0 ||
	    mbedtls_x509write_crt_set_serial(&w, &serial) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&w, subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(
	        &w, kind == 0 ? subject : ca_subject) != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, from, to) != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, kind == 0, -1) !=
	        0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&w) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&w) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(&w,
	        kind == 0 ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
	                  : MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
		die("cannot build certificate %s", name, 0);
		goto out;
	}
	if (kind != 0) {
		n = write_eku(kind == 1, ext, sizeof(ext), &p);
		if (n < 0 || mbedtls_x509write_crt_set_extension(&w,
		                 MBEDTLS_OID_EXTENDED_KEY_USAGE,
		                 MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
		                 0, p, (size_t) n) != 0) {
			die("cannot add key usage to %s", name, 0);
			goto out;
		}
	}
	if (kind == 1) {
		n = write_san(g, ext, sizeof(ext), &p);
		if (n < 0 || mbedtls_x509write_crt_set_extension(&w,
		                 MBEDTLS_OID_SUBJECT_ALT_NAME,
		                 MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
		                 0, p, (size_t) n) != 0) {
			die("cannot add host names to %s", name, 0);
			goto out;
		}
	}
	if (mbedtls_x509write_crt_pem(&w, pem, sizeof(pem),
	        mbedtls_ctr_drbg_random, &g->drbg) != 0) {
		die("cannot sign certificate %s", name, 0);
		goto out;
	}
	if (g->is_corrupt && kind != 0 && corrupt(pem) != 0) {
		die("cannot corrupt %s", name, 0);
		goto out;
	}
	rv = write_file(g, name, pem, strlen((char *) pem), 0644);
out:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
	return rv;
}

/* The CA: a new one, or DIR2's (its certificate copied into DIR). */
static int
get_ca(gen *g, mbedtls_pk_context *ca_key)
{
	unsigned char buf[PEM_BUF];

	if (g->ca_dir == NULL) {
		return new_key(g, ca_key) || write_key(g, ca_key, "ca.key") ||
		    issue(g, "ca.pem", "pipeproc test CA", ca_key, ca_key, NULL,
		        0);
	}
	mbedtls_pk_init(ca_key);
	if (read_file(g->ca_dir, "ca.key", buf, sizeof(buf)) != 0) {
		return 1;
	}
	if (mbedtls_pk_parse_key(ca_key, buf, strlen((char *) buf) + 1, NULL,
	        0) != 0) {
		return die("bad CA key in %s", g->ca_dir, 0);
	}
	if (read_file(g->ca_dir, "ca.pem", buf, sizeof(buf)) != 0) {
		return 1;
	}
	return write_file(g, "ca.pem", buf, strlen((char *) buf), 0644);
}

static int
write_token(gen *g)
{
	unsigned char raw[32];
	char          hex[66];
	int           i, rv;

	mbedtls_ctr_drbg_random(&g->drbg, raw, sizeof(raw));
	for (i = 0; i < 32; i++) {
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	}
	hex[64] = '\n';
	rv      = write_file(g, "token", hex, 65, 0600);
	memset(hex, 0, sizeof(hex));
	return rv;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: pipeproc-gen-certs DIR --host NAME_OR_IP [--host ...]\n"
	    "         [--days N] [--ca DIR2] [--expired] [--corrupt] "
	    "[--force]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	mbedtls_pk_context ca_key, node_key, client_key;
	gen                g;
	char               ca_subject[] = "CN=pipeproc test CA,O=pipeproc";
	int                i, rv;

	memset(&g, 0, sizeof(g));
	mbedtls_pk_init(&ca_key);
	mbedtls_pk_init(&node_key);
	mbedtls_pk_init(&client_key);
	g.days = 365;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--expired") == 0) {
			g.is_expired = true;
		} else if (strcmp(a, "--corrupt") == 0) {
			g.is_corrupt = true;
		} else if (strcmp(a, "--force") == 0) {
			g.is_force = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
			return 0;
		} else if (i + 1 < argc && strcmp(a, "--host") == 0 &&
		    g.nhosts < MAX_HOSTS) {
			g.hosts[g.nhosts++] = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--ca") == 0) {
			g.ca_dir = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--days") == 0) {
			g.days = atoi(argv[++i]);
			if (g.days < 1 || g.days > 36500) {
				return usage();
			}
		} else if (a[0] != '-' && g.dir == NULL) {
			g.dir = a;
		} else {
			return usage();
		}
	}
	if (g.dir == NULL || g.nhosts == 0) {
		return usage();
	}
	if (mkdir(g.dir, 0700) != 0 && errno != EEXIST) {
		return die("cannot create %s", g.dir, errno);
	}
	mbedtls_entropy_init(&g.entropy);
	mbedtls_ctr_drbg_init(&g.drbg);
	if (mbedtls_ctr_drbg_seed(&g.drbg, mbedtls_entropy_func, &g.entropy,
	        (const unsigned char *) "pipeproc-gen-certs", 18) != 0) {
		return die("%s", "no entropy", 0);
	}
	rv = get_ca(&g, &ca_key) || new_key(&g, &node_key) ||
	    write_key(&g, &node_key, "node.key") ||
	    issue(&g, "node.pem", g.hosts[0], &node_key, &ca_key, ca_subject,
	        1) ||
	    new_key(&g, &client_key) ||
	    write_key(&g, &client_key, "client.key") ||
	    issue(&g, "client.pem", "pipeproc client", &client_key, &ca_key,
	        ca_subject, 2) ||
	    write_token(&g);
	mbedtls_pk_free(&client_key);
	mbedtls_pk_free(&node_key);
	mbedtls_pk_free(&ca_key);
	mbedtls_ctr_drbg_free(&g.drbg);
	mbedtls_entropy_free(&g.entropy);
	if (rv == 0) {
		printf("wrote %s/{ca,node,client}.pem, their keys and token\n",
		    g.dir);
	}
	return rv;
}
