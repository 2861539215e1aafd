/*
 * fuzz_plugin_config.c - libFuzzer harness: a plugin's config string,
 * which comes from whoever creates a systemProc (up to 4096 bytes).
 *
 * The exec plugin's parser (worker/plugins/exec/command.h) and the
 * jetstream plugin's (worker/plugins/jetstream/config.h) must accept or
 * refuse any text with a terminated message and, when they accept it,
 * give values within their documented bounds; what they allocate is
 * freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/plugins/exec/command.h"
#include "../../worker/plugins/jetstream/config.h"

#define CONFIG_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
jetstream(const char *config)
{
	jsconf c;
	char   err[256];

	memset(&c, 0, sizeof(c));
	err[0] = '\0';
	if (jsconf_parse(config, &c, err, sizeof(err)) == 0) {
		if (c.nservers < 0 || c.nservers > JSCONF_SERVERS_MAX ||
		    c.timeout_ms < 0 || c.batch < 0) {
			abort();
		}
	} else if (strnlen(err, sizeof(err)) == sizeof(err) ||
	    err[0] == '\0') {
		abort();
	}
	jsconf_fini(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char config[CONFIG_MAX + 1], err[256];
	int  ms = 0;

	if (size > CONFIG_MAX) {
		return 0;
	}
	memcpy(config, data, size);
	config[size] = '\0';
	err[0]       = '\0';
	if (command_timeout(config, &ms, err, sizeof(err)) == 0) {
		if (ms < 1 || ms > COMMAND_TIMEOUT_MAX_MS) {
			abort();
		}
	} else if (strnlen(err, sizeof(err)) == sizeof(err) || err[0] == '\0') {
		abort(); /* a refusal must say why */
	}
	err[0] = '\0';
	if (command_check(config, err, sizeof(err)) != 0 &&
	    (strnlen(err, sizeof(err)) == sizeof(err) || err[0] == '\0')) {
		abort();
	}
	jetstream(config);
	return 0;
}
