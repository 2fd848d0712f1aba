/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for FIFREEZE/FITHAW (struct vss_freezer_ops.ioctl) for the
 * VSS engine and manager tests: it records each call as "F<i>"/"T<i>"
 * (i: which of the test's filesystems, matched by inode), can fail the
 * freeze of one of them, and can hold the freeze of one of them until the
 * test releases it (a freeze stuck in the kernel).
 */
#ifndef HV_TEST_VSS_FAKE_FREEZER_H
#define HV_TEST_VSS_FAKE_FREEZER_H

#include <pthread.h>
#include <stdbool.h>

struct vss_fake_freezer {
	char *const *paths;	/* the filesystems' mount points */
	int n_paths;
	bool strict;		/* a call on any other fd fails the test */

	pthread_mutex_t lock;	/* protects calls and stalled */
	char calls[256];	/* "F0 F1 T0 ..." */
	int fail_index;		/* FIFREEZE on this one fails with fail_error */
	int fail_error;
	int stall_index;	/* FIFREEZE on this one waits for stall_pipe */
	int stall_pipe[2];
	bool stalled;		/* a worker is inside the stalled FIFREEZE */
};

void vss_fake_freezer_init(struct vss_fake_freezer *f, char *const *paths, int n_paths,
			   bool strict);
void vss_fake_freezer_done(struct vss_fake_freezer *f);

/* struct vss_freezer_ops.ioctl, with userdata = the fake. */
int vss_fake_freezer_ioctl(int fd, unsigned long request, void *userdata);

/* A copy of the calls so far. */
char *vss_fake_freezer_calls(struct vss_fake_freezer *f);
/* Poll (10 ms steps, at most tries) until a freeze is held; false if none. */
bool vss_fake_freezer_wait_stalled(struct vss_fake_freezer *f, unsigned tries);
/* Let the held freeze go on. */
void vss_fake_freezer_release(struct vss_fake_freezer *f);

#endif /* HV_TEST_VSS_FAKE_FREEZER_H */
