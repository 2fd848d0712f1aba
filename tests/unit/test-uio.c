// SPDX-License-Identifier: MIT
/*
 * UIO channels: the ring size read from sysfs (including an attribute
 * that appears late), the mapping, and interrupt semantics through the
 * socket that stands in for /dev/uioN.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testlib.h"
#include "uio.h"

static char *dir;
static char vmbus[512], uiodev[512];

static void setup(void)
{
	dir = tl_mkdtemp("uio");
	snprintf(vmbus, sizeof(vmbus), "%s/eb765408", dir);
	snprintf(uiodev, sizeof(uiodev), "%s/eb765408/uio/uio0", dir);
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

static void put(const char *base, const char *rel, const char *content)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	tl_write_file(p, content);
}

static void make_sized(const char *base, const char *rel, off_t size)
{
	char p[1024];
	int fd;

	put(base, rel, "");
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	fd = open(p, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
}

START_TEST(uio__ring_size_from_map0)
{
	size_t size = 0;

	put(uiodev, "maps/map0/name", "txrx_rings\n");
	put(uiodev, "maps/map0/size", "0x8000\n");
	/* A stale "ring" attribute (fixed 4 MiB on older kernels) is not used. */
	put(vmbus, "id", "14\n");
	make_sized(vmbus, "channels/14/ring", 4 << 20);
	ck_assert_int_eq(uio_ring_size(vmbus, uiodev, 0, &size), 0);
	ck_assert_uint_eq(size, 16384);
}
END_TEST

START_TEST(uio__ring_size_from_ring_attribute)
{
	size_t size = 0;

	/* map0 is another mapping: fall back to the channel's ring. */
	put(uiodev, "maps/map0/name", "int_page\n");
	put(uiodev, "maps/map0/size", "0x1000\n");
	put(vmbus, "id", "14\n");
	make_sized(vmbus, "channels/14/ring", 65536);
	ck_assert_int_eq(uio_ring_size(vmbus, uiodev, 0, &size), 0);
	ck_assert_uint_eq(size, 32768);
}
END_TEST

START_TEST(uio__ring_size_scans_channels_without_id)
{
	size_t size = 0;

	make_sized(vmbus, "channels/3/ring", 32768);
	ck_assert_int_eq(uio_ring_size(vmbus, NULL, 0, &size), 0);
	ck_assert_uint_eq(size, 16384);
}
END_TEST

static void *create_late(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	make_sized(vmbus, "channels/14/ring", 32768);
	return NULL;
}

START_TEST(uio__ring_size_waits_for_late_attribute)
{
	pthread_t t;
	size_t size = 0;

	put(vmbus, "id", "14\n");
	ck_assert_int_eq(pthread_create(&t, NULL, create_late, NULL), 0);
	ck_assert_int_eq(uio_ring_size(vmbus, uiodev, 5000000, &size), 0);
	ck_assert_uint_eq(size, 16384);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(uio__ring_size_missing_or_invalid)
{
	size_t size = 7;

	ck_assert_int_eq(uio_ring_size(vmbus, uiodev, 100000, &size), -ENOENT);
	ck_assert_int_eq(uio_ring_size(NULL, NULL, 0, &size), -ENOENT);
	ck_assert_uint_eq(size, 7);
	/* Two rings of 6 KiB are not whole pages. */
	put(uiodev, "maps/map0/size", "0x3000\n");
	ck_assert_int_eq(uio_ring_size(vmbus, uiodev, 0, &size), -EINVAL);
	put(uiodev, "maps/map0/size", "bogus\n");
	ck_assert_int_eq(uio_ring_size(NULL, uiodev, 0, &size), -EINVAL);
	ck_assert_int_eq(uio_ring_size_check(4096), -EINVAL);
	ck_assert_int_eq(uio_ring_size_check(8192), 0);
}
END_TEST

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

START_TEST(uio__socket_stands_in_for_the_device)
{
	char sock[600], ring[600];
	struct uio *u = NULL;
	const uint32_t tick = 5;
	uint32_t got = 0;
	int lfd, cfd;
	uint8_t *map;

	snprintf(sock, sizeof(sock), "%s/uio0", dir);
	snprintf(ring, sizeof(ring), "%s/rings", dir);
	make_sized(dir, "rings", 4 * 4096);
	lfd = listen_at(sock);
	ck_assert_int_eq(uio_open(sock, ring, 4 * 4096, &u), 0);
	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(cfd, 0);

	/* No interrupt yet; then one ack per signal the socket queued. */
	ck_assert_int_eq(uio_ack(u), -EAGAIN);
	ck_assert_int_eq(write(cfd, &tick, 4), 4);
	ck_assert_int_eq(write(cfd, &tick, 4), 4);
	ck_assert_int_eq(uio_ack(u), 0);
	ck_assert_int_eq(uio_ack(u), 0);
	ck_assert_int_eq(uio_ack(u), -EAGAIN);

	ck_assert_int_eq(uio_signal(u), 0);
	ck_assert_int_eq(read(cfd, &got, 4), 4);
	ck_assert_uint_eq(got, 1);

	/* The mapping is the file. */
	map = uio_get_map(u);
	map[4096 * 3 + 5] = 0x5a;
	ck_assert_uint_eq(uio_get_map_size(u), 4 * 4096);
	ck_assert_int_eq(msync(map, 4 * 4096, MS_SYNC), 0);

	/* The host end going away reads as a rescind. */
	close(cfd);
	ck_assert_int_eq(uio_ack(u), -EIO);
	ck_assert_int_eq(uio_signal(u), -EIO);
	uio_free(u);
	close(lfd);
}
END_TEST

START_TEST(uio__second_opener_is_ebusy)
{
	char ring[600];
	struct uio *a = NULL, *b = NULL;

	/* A regular file takes the same exclusive lock a device node does. */
	snprintf(ring, sizeof(ring), "%s/rings", dir);
	make_sized(dir, "rings", 2 * 4096);
	ck_assert_int_eq(uio_open(ring, NULL, 2 * 4096, &a), 0);
	ck_assert_int_eq(uio_open(ring, NULL, 2 * 4096, &b), -EBUSY);
	a = uio_free(a);
	ck_assert_int_eq(uio_open(ring, NULL, 2 * 4096, &b), 0);
	uio_free(b);
}
END_TEST

START_TEST(uio__open_refuses_short_map)
{
	char sock[600], ring[600];
	struct uio *u = NULL;
	int lfd;

	snprintf(sock, sizeof(sock), "%s/uio0", dir);
	snprintf(ring, sizeof(ring), "%s/rings", dir);
	make_sized(dir, "rings", 2 * 4096);
	lfd = listen_at(sock);
	ck_assert_int_eq(uio_open(sock, ring, 4 * 4096, &u), -EINVAL);
	ck_assert_int_eq(uio_open(sock, NULL, 0, &u), -EINVAL);
	snprintf(ring, sizeof(ring), "%s/missing", dir);
	ck_assert_int_eq(uio_open(ring, NULL, 4096, &u), -ENOENT);
	close(lfd);
}
END_TEST

START_TEST(uio__devnode_info_needs_a_character_device)
{
	struct uio_device_info info = { 0 };

	make_sized(dir, "plain", 10);
	snprintf(vmbus, sizeof(vmbus), "%s/plain", dir);
	ck_assert_int_eq(uio_device_info_from_devnode(vmbus, &info), -ENOTTY);
	ck_assert_ptr_null(info.devnode);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uio");
	TCase *tc = tcase_create("uio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, uio__ring_size_from_map0);
	tcase_add_test(tc, uio__ring_size_from_ring_attribute);
	tcase_add_test(tc, uio__ring_size_scans_channels_without_id);
	tcase_add_test(tc, uio__ring_size_waits_for_late_attribute);
	tcase_add_test(tc, uio__ring_size_missing_or_invalid);
	tcase_add_test(tc, uio__socket_stands_in_for_the_device);
	tcase_add_test(tc, uio__second_opener_is_ebusy);
	tcase_add_test(tc, uio__open_refuses_short_map);
	tcase_add_test(tc, uio__devnode_info_needs_a_character_device);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
