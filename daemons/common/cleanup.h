/* SPDX-License-Identifier: MIT */
/*
 * Scope-based cleanup for userspace code. libsystemd exports its own
 * sd_*_unrefp helpers; this header covers libc, our types, libudev, libnl.
 */
#ifndef HV_CLEANUP_H
#define HV_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))

/* Define fnp(T **p) calling fn(*p) when *p is non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, fn)           \
	static inline void fn##p(type *p)               \
	{                                               \
		if (*p)                                 \
			(void)fn(*p);                   \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		(void)close(*fd);
		errno = saved;
	}
}

DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(ptr)                           \
	({                                      \
		__typeof__(ptr) _p_ = (ptr);    \
		(ptr) = NULL;                   \
		_p_;                            \
	})

#define TAKE_FD(fd)                     \
	({                              \
		int _fd_ = (fd);        \
		(fd) = -1;              \
		_fd_;                   \
	})

/* Close an fd and return -1, for "fd = safe_close(fd);". */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
	}
	return -1;
}

#endif /* HV_CLEANUP_H */
