// SPDX-License-Identifier: MIT
/*
 * mountinfo parsing and freeze planning on arbitrary tables: no crash,
 * every planned filesystem has a mount point, no superblock twice.
 * (No sysfs and no /proc/filesystems: the plan uses only the text.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vss-mount.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const include[] = { "/m*", NULL };
	struct vss_scope scope = { .filesystems = "/nonexistent", .sysfs = "/nonexistent" };
	struct vss_mount_table t = { 0 };
	struct vss_plan p = { 0 };
	char *text;

	log_set_max_level(LOG_CRIT);
	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vss_mountinfo_parse(text, &t, NULL) < 0)
		abort();
	for (int pass = 0; pass < 2; pass++) {
		scope.include = pass ? include : NULL;
		scope.network = scope.fuse = pass;
		if (vss_plan_build(&t, &scope, &p) < 0)
			abort();
		for (size_t i = 0; i < p.n; i++) {
			if (!p.fs[i].mount_points || !p.fs[i].mount_points[0])
				abort();
			for (size_t j = 0; j < i; j++)
				if (p.fs[j].major == p.fs[i].major && p.fs[j].minor == p.fs[i].minor)
					abort();
		}
		vss_plan_clear(&p);
	}
	vss_mount_table_clear(&t);
	free(text);
	return 0;
}
