/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Tiny shared helpers for the dual-use wire headers: the same definitions
 * build in kernel modules (linux/types.h from the kernel tree), in userspace
 * (linux/types.h from linux-libc-dev) and in the test host.
 */
#ifndef _HYPERV_COMPILER_H
#define _HYPERV_COMPILER_H

#include <linux/types.h>

#ifndef __packed
#define __packed __attribute__((packed))
#endif

/* Every wire struct states its size once; a layout slip fails the build. */
#define HV_WIRE_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes on the wire")

#define HV_WIRE_OFFSET(type, member, off) \
	_Static_assert(__builtin_offsetof(type, member) == (off), \
		       #type "." #member " must sit at offset " #off)

#endif /* _HYPERV_COMPILER_H */
