// SPDX-License-Identifier: MIT
/*
 * Replay driver for fuzz targets built without libFuzzer: runs
 * LLVMFuzzerTestOneInput once per file (or per file in each directory)
 * named on the command line, plus a few synthetic inputs, so the targets
 * stay compiled and exercised under gcc, ASan and valgrind.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long runs;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "re");
	uint8_t *buf;
	long size;

	if (!f) {
		perror(path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	runs++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (stat(path, &st) < 0)
		return 0; /* no corpus yet: synthetic inputs only */
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
			break;
		if (run_file(p) < 0)
			r = -1;
		free(p);
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	static uint8_t zeros[8192];
	uint8_t pattern[8192];
	int r = 0;

	/* Degenerate inputs every target must survive. */
	(void)LLVMFuzzerTestOneInput(zeros, 0);
	(void)LLVMFuzzerTestOneInput(zeros, 1);
	(void)LLVMFuzzerTestOneInput(zeros, sizeof(zeros));
	memset(pattern, 0xff, sizeof(pattern));
	(void)LLVMFuzzerTestOneInput(pattern, sizeof(pattern));
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 131u + 7u);
	(void)LLVMFuzzerTestOneInput(pattern, sizeof(pattern));
	runs += 5;

	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			r = 1;
	printf("replayed %lu inputs\n", runs);
	return r;
}
