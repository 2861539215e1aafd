/*
 * fuzz_plugin_config.c - libFuzzer harness: a plugin's config string,
 * which comes from whoever creates a systemProc (up to 4096 bytes).
 *
 * The exec plugin's parser (worker/plugins/exec/command.h) must accept
 * or refuse any text with a terminated message and, when it accepts a
 * timeout, one within its documented bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/plugins/exec/command.h"

#define CONFIG_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
