/*
 * tls_name.c - does a certificate name the address we dialed?
 *
 * mbedTLS 2.28 checks a server's name against its dNSName entries and
 * common name only, so a certificate that names its host as an
 * iPAddress subjectAltName - what openssl, cfssl and most CAs make for an
 * address - is refused for "tls+tcp://127.0.0.1:PORT". For an address
 * the engine (tls_engine.c) leaves mbedTLS's name check out and asks this
 * file instead: an iPAddress entry equal to the address, or (as mbedTLS
 * and browsers of old accepted) a dNSName entry or common name that is
 * the address's text.
 */
#include <arpa/inet.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "tls.h"

/* GeneralName tags of a subjectAltName (RFC 5280, context-specific). */
#define SAN_DNS (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)
#define SAN_IP  (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)

bool
ppi_tls_name_ip(const char *text, unsigned char ip[16], size_t *len)
{
	char   buf[64];
	size_t n = strlen(text);

	/* "[::1]" as it appears in an address: the brackets go. */
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']' &&
	    n - 2 < sizeof(buf)) {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
		text       = buf;
	}
	if (inet_pton(AF_INET, text, ip) == 1) {
		*len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, text, ip) == 1) {
		*len = 16;
		return true;
	}
	return false;
}

static bool
text_equals(const unsigned char *p, size_t len, const char *text)
{
	return strlen(text) == len && memcmp(p, text, len) == 0;
}

bool
ppi_tls_cert_names_ip(const mbedtls_x509_crt *crt, const char *text)
{
	const mbedtls_x509_sequence *san;
	const mbedtls_x509_name     *n;
	unsigned char                ip[16];
	size_t                       iplen;

	if (!ppi_tls_name_ip(text, ip, &iplen)) {
		return false;
	}
	for (san = &crt->subject_alt_names; san != NULL && san->buf.p != NULL;
	     san = san->next) {
		if (san->buf.tag == SAN_IP && san->buf.len == iplen &&
		    memcmp(san->buf.p, ip, iplen) == 0) {
			return true;
		}
		if (san->buf.tag == SAN_DNS &&
		    text_equals(san->buf.p, san->buf.len, text)) {
			return true;
		}
	}
	for (n = &crt->subject; n != NULL; n = n->next) {
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
		    text_equals(n->val.p, n->val.len, text)) {
			return true;
		}
	}
	return false;
}
