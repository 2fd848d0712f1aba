// SPDX-License-Identifier: MIT
#include <check.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vss-fake-freezer.h"

void vss_fake_freezer_init(struct vss_fake_freezer *f, char *const *paths, int n_paths,
			   bool strict)
{
	memset(f, 0, sizeof(*f));
	f->paths = paths;
	f->n_paths = n_paths;
	f->strict = strict;
	pthread_mutex_init(&f->lock, NULL);
	f->fail_index = -1;
	f->stall_index = -1;
	ck_assert_int_eq(pipe(f->stall_pipe), 0);
}

void vss_fake_freezer_done(struct vss_fake_freezer *f)
{
	close(f->stall_pipe[0]);
	close(f->stall_pipe[1]);
	pthread_mutex_destroy(&f->lock);
}

/* The engine reopens through /proc/self/fd: match by inode. */
static int index_of(const struct vss_fake_freezer *f, int fd)
{
	struct stat st, want;

	if (fstat(fd, &st) < 0)
		return -1;
	for (int i = 0; i < f->n_paths; i++)
		if (stat(f->paths[i], &want) == 0 && want.st_ino == st.st_ino)
			return i;
	return -1;
}

int vss_fake_freezer_ioctl(int fd, unsigned long request, void *userdata)
{
	struct vss_fake_freezer *f = userdata;
	int i = index_of(f, fd);
	char call[16];

	if (f->strict)
		ck_assert_int_ge(i, 0);
	if (request == FIFREEZE && i == f->stall_index) {
		char c;

		pthread_mutex_lock(&f->lock);
		f->stalled = true;
		pthread_mutex_unlock(&f->lock);
		(void)!read(f->stall_pipe[0], &c, 1);
	}
	snprintf(call, sizeof(call), "%c%d", request == FIFREEZE ? 'F' : 'T', i);
	pthread_mutex_lock(&f->lock);
	if (f->calls[0])
		strcat(f->calls, " ");
	strcat(f->calls, call);
	pthread_mutex_unlock(&f->lock);
	if (request == FIFREEZE && i == f->fail_index)
		return f->fail_error;
	return 0;
}

char *vss_fake_freezer_calls(struct vss_fake_freezer *f)
{
	char *s;

	pthread_mutex_lock(&f->lock);
	s = strdup(f->calls);
	pthread_mutex_unlock(&f->lock);
	ck_assert_ptr_nonnull(s);
	return s;
}

bool vss_fake_freezer_wait_stalled(struct vss_fake_freezer *f, unsigned tries)
{
	for (unsigned i = 0; i < tries; i++) {
		bool stalled;

		pthread_mutex_lock(&f->lock);
		stalled = f->stalled;
		pthread_mutex_unlock(&f->lock);
		if (stalled)
			return true;
		usleep(10000);
	}
	return false;
}

void vss_fake_freezer_release(struct vss_fake_freezer *f)
{
	ck_assert_int_eq(write(f->stall_pipe[1], "x", 1), 1);
}
