// SPDX-License-Identifier: MIT
/*
 * The /run state file parser (a restarted daemon and --thaw act on it):
 * any text parses or is refused cleanly, and what parses formats and
 * parses back to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vss-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vss_state s, again;
	char *text, *formatted;

	log_set_max_level(LOG_CRIT);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vss_state_parse(text, &s) < 0) {
		free(text);
		return 0;
	}
	if (vss_state_format(&s, &formatted) < 0)
		abort();
	if (vss_state_parse(formatted, &again) < 0)
		abort();
	if (again.kind != s.kind || again.n_fs != s.n_fs || again.n_hooks != s.n_hooks ||
	    again.since_usec != s.since_usec || again.pid != s.pid)
		abort();
	for (size_t i = 0; i < s.n_fs; i++)
		if (strcmp(again.fs[i].mount_point, s.fs[i].mount_point) != 0 ||
		    strcmp(again.fs[i].source, s.fs[i].source) != 0 ||
		    again.fs[i].major != s.fs[i].major || again.fs[i].minor != s.fs[i].minor)
			abort();
	for (size_t i = 0; i < s.n_hooks; i++)
		if (strcmp(again.hooks[i].path, s.hooks[i].path) != 0)
			abort();
	vss_state_clear(&again);
	vss_state_clear(&s);
	free(formatted);
	free(text);
	return 0;
}
