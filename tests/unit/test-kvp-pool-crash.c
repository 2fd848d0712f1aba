// SPDX-License-Identifier: MIT
/*
 * Crash safety of the pool store. A simulated crash after every file
 * syscall of a script of changes (the crashing write itself landing in
 * part or not at all), then every outcome a power cut can have (unsynced
 * writes lost, kept, the last one torn at a sector, any subset of them),
 * then a reopen by a reader and by a writer: the pool must hold exactly
 * the acknowledged changes, with the interrupted one either done or not,
 * whole records only, no duplicates, unused bytes zero. And a real
 * kill -9 of a process hammering the store.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvp-pool.h"
#include "test-kvp-pool-util.h"
#include "testlib.h"
#include "util.h"

static char *dir;

static void setup(void)
{
	dir = tl_mkdtemp("kvp-crash");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

/* ---- the model: what the pool must contain ---- */

struct model {
	size_t n;
	char *key[64];
	char *value[64];
};

static void model_copy(struct model *dst, const struct model *src)
{
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++) {
		dst->key[i] = strdup(src->key[i]);
		dst->value[i] = strdup(src->value[i]);
	}
}

static void model_done(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->key[i]);
		free(m->value[i]);
	}
	m->n = 0;
}

static int model_find(const struct model *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (streq(m->key[i], key))
			return (int)i;
	return -1;
}

static void model_set(struct model *m, const char *key, const char *value)
{
	int i = model_find(m, key);

	if (i >= 0) {
		free(m->value[i]);
		m->value[i] = strdup(value);
		return;
	}
	ck_assert_uint_lt(m->n, ELEMENTSOF(m->key));
	m->key[m->n] = strdup(key);
	m->value[m->n++] = strdup(value);
}

static void model_delete(struct model *m, const char *key)
{
	int i = model_find(m, key);

	if (i < 0)
		return;
	free(m->key[i]);
	free(m->value[i]);
	m->key[i] = m->key[m->n - 1];
	m->value[i] = m->value[m->n - 1];
	m->n--;
}

/* The pool file equals the model, as a set of records. */
static bool file_matches(const struct kt_pool *kp, const struct model *m)
{
	if (kp->n != m->n)
		return false;
	for (size_t i = 0; i < m->n; i++) {
		int at = kt_find(kp, m->key[i]);

		if (at < 0 || !streq(kp->values[at], m->value[i]))
			return false;
	}
	return true;
}

static bool pool_matches(struct kvp_pool *p, const struct model *m)
{
	char v[HV_KVP_MAX_VALUE_SIZE];
	size_t n;

	if (kvp_pool_count(p, &n) < 0 || n != m->n)
		return false;
	for (size_t i = 0; i < m->n; i++)
		if (kvp_pool_get(p, m->key[i], v, sizeof(v)) < 0 || !streq(v, m->value[i]))
			return false;
	return true;
}

/* ---- the simulated disk ---- */

enum { OP_WRITE, OP_TRUNCATE };

struct sim_op {
	int kind;
	off_t off;	/* write offset, or truncate length */
	size_t len;
	uint8_t *data;
};

struct sim_file {
	dev_t dev;
	ino_t ino;
	uint8_t *durable;	/* content as of the last sync */
	size_t durable_len;
	struct sim_op ops[256];	/* since the last sync */
	size_t n_ops;
};

struct sim {
	struct sim_file files[2]; /* pool, journal */
	unsigned budget;	/* syscalls that complete; the next one crashes */
	unsigned calls;
	unsigned tear_sectors;	/* sectors of a crashing write that land anyway */
	bool crashed;
};

static struct sim_file *sim_file_of(struct sim *s, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(s->files); i++)
		if (s->files[i].ino == st.st_ino && s->files[i].dev == st.st_dev)
			return &s->files[i];
	return NULL;
}

static void sim_record(struct sim_file *f, int kind, off_t off, const void *data, size_t len)
{
	struct sim_op *op;

	ck_assert_uint_lt(f->n_ops, ELEMENTSOF(f->ops));
	op = &f->ops[f->n_ops++];
	*op = (struct sim_op){ .kind = kind, .off = off, .len = len };
	if (data) {
		op->data = malloc(len);
		memcpy(op->data, data, len);
	}
}

/* Returns true when this call is the crash. */
static bool sim_tick(struct sim *s)
{
	if (s->crashed)
		return true;
	if (++s->calls > s->budget) {
		s->crashed = true;
		return true;
	}
	return false;
}

static ssize_t sim_pwrite(int fd, const void *buf, size_t len, off_t off, void *u)
{
	struct sim *s = u;
	struct sim_file *f = sim_file_of(s, fd);
	bool was_crashed = s->crashed;

	if (sim_tick(s)) {
		/* The crashing write: its first sectors may land (a kill -9 between pages). */
		if (!was_crashed && s->tear_sectors > 0) {
			off_t end = (off / KVP_SECTOR_SIZE + (off_t)s->tear_sectors) *
				    KVP_SECTOR_SIZE;
			size_t part = (size_t)MIN((off_t)len, end - off);

			ck_assert_int_eq(pwrite(fd, buf, part, off), (ssize_t)part);
			if (f)
				sim_record(f, OP_WRITE, off, buf, part);
		}
		errno = EIO;
		return -1;
	}
	if (f)
		sim_record(f, OP_WRITE, off, buf, len);
	return pwrite(fd, buf, len, off);
}

static int sim_ftruncate(int fd, off_t len, void *u)
{
	struct sim *s = u;
	struct sim_file *f = sim_file_of(s, fd);

	if (sim_tick(s)) {
		errno = EIO;
		return -1;
	}
	if (f)
		sim_record(f, OP_TRUNCATE, len, NULL, 0);
	return ftruncate(fd, len);
}

static void apply_op(uint8_t **img, size_t *len, const struct sim_op *op, size_t part)
{
	if (op->kind == OP_TRUNCATE) {
		size_t nl = (size_t)op->off;

		*img = realloc(*img, nl ? nl : 1);
		if (nl > *len)
			memset(*img + *len, 0, nl - *len);
		*len = nl;
		return;
	}
	if ((size_t)op->off + part > *len) {
		size_t nl = (size_t)op->off + part;

		*img = realloc(*img, nl);
		memset(*img + *len, 0, nl - *len);
		*len = nl;
	}
	memcpy(*img + op->off, op->data, part);
}

/* A sync persists the file as it is, including what others wrote to it. */
static void sim_make_durable(struct sim_file *f, int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	f->durable = realloc(f->durable, st.st_size ? (size_t)st.st_size : 1);
	ck_assert_int_eq(loop_pread(fd, f->durable, (size_t)st.st_size, 0), st.st_size);
	f->durable_len = (size_t)st.st_size;
	for (size_t i = 0; i < f->n_ops; i++)
		free(f->ops[i].data);
	f->n_ops = 0;
}

static int sim_sync(int fd, void *u)
{
	struct sim *s = u;
	struct sim_file *f = sim_file_of(s, fd);

	if (sim_tick(s)) {
		errno = EIO;
		return -1;
	}
	if (f)
		sim_make_durable(f, fd);
	return 0; /* the real disk need not be bothered */
}

static int fast_sync(int fd, void *u)
{
	(void)fd;
	(void)u;
	return 0;
}

/*
 * No inotify here: closing an inotify instance waits for an SRCU grace
 * period, which over a thousand scenarios is most of the run time. Change
 * detection is not what this suite is about (the racy-timestamp fallback
 * then reloads more often, which is fine).
 */
static int no_inotify(int flags, void *u)
{
	(void)flags;
	(void)u;
	errno = ENOSYS;
	return -1;
}

static const struct kvp_pool_io fast_io = {
	.fdatasync = fast_sync,
	.fsync = fast_sync,
	.get_boot = kt_get_boot,
	.inotify_init1 = no_inotify,
};

static void sim_start(struct sim *s, const char *pool_path, const char *journal_path)
{
	const char *paths[2] = { pool_path, journal_path };

	for (size_t i = 0; i < 2; i++) {
		struct stat st;
		size_t len = 0;

		ck_assert_int_eq(stat(paths[i], &st), 0);
		s->files[i].dev = st.st_dev;
		s->files[i].ino = st.st_ino;
		free(s->files[i].durable);
		s->files[i].durable = (uint8_t *)tl_read_file(paths[i], &len);
		s->files[i].durable_len = len;
		for (size_t j = 0; j < s->files[i].n_ops; j++)
			free(s->files[i].ops[j].data);
		s->files[i].n_ops = 0;
	}
	s->calls = 0;
	s->crashed = false;
}

static void sim_done(struct sim *s)
{
	for (size_t i = 0; i < 2; i++) {
		for (size_t j = 0; j < s->files[i].n_ops; j++)
			free(s->files[i].ops[j].data);
		free(s->files[i].durable);
	}
	*s = (struct sim){ 0 };
}

/* ---- outcomes ---- */

enum outcome {
	KILL9,		/* the process died, the kernel kept every write */
	POWER_LOST,	/* power cut: unsynced writes lost */
	POWER_KEPT,	/* power cut: unsynced writes all made it */
	POWER_TORN1,	/* ... but the last write of each file tore after its first sector */
	POWER_TORN2,	/* ... or after all but its last sector */
	POWER_RANDOM,	/* any subset, each possibly torn at a sector (seeded) */
};

/* The file content for an outcome, malloc'ed. */
static uint8_t *outcome_image(const struct sim_file *f, const uint8_t *now, size_t now_len,
			      enum outcome o, unsigned seed, size_t *ret_len)
{
	uint8_t *img;
	size_t len;
	ssize_t last_write = -1;

	if (o == KILL9 || o == POWER_KEPT) {
		img = malloc(now_len ? now_len : 1);
		memcpy(img, now, now_len);
		*ret_len = now_len;
		return img;
	}
	len = f->durable_len;
	img = malloc(len ? len : 1);
	memcpy(img, f->durable, len);
	for (size_t i = 0; i < f->n_ops; i++)
		if (f->ops[i].kind == OP_WRITE)
			last_write = (ssize_t)i;
	for (size_t i = 0; o != POWER_LOST && i < f->n_ops; i++) {
		const struct sim_op *op = &f->ops[i];
		size_t part = op->len;

		if (o == POWER_RANDOM) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 2)
				continue;
			seed = seed * 1103515245u + 12345u;
			if (op->kind == OP_WRITE && (seed >> 16) % 4 == 0 &&
			    op->len > KVP_SECTOR_SIZE)
				part = ((seed >> 8) % (op->len / KVP_SECTOR_SIZE)) *
				       KVP_SECTOR_SIZE;
		} else if ((ssize_t)i == last_write && op->len > KVP_SECTOR_SIZE) {
			size_t sectors = op->len / KVP_SECTOR_SIZE;

			part = (o == POWER_TORN1 ? 1 : sectors - 1) * KVP_SECTOR_SIZE;
		}
		apply_op(&img, &len, op, part);
	}
	*ret_len = len;
	return img;
}

/* ---- the script ---- */

enum step_kind { SET, DEL, CHECKPOINT };

struct step {
	enum step_kind kind;
	const char *key;
	const char *value;
};

static char long_value[2001];

static const struct step script_mixed[] = {
	{ SET, "k1", "one, updated in place" },
	{ SET, "new0", "appended" },
	{ DEL, "k2", NULL },		/* the last record (new0) moves into slot 2 */
	{ DEL, "k5", NULL },		/* now the last record: the file just shrinks */
	{ SET, "new1", "appended again" },
	{ SET, "k0", long_value },	/* a value spanning every sector of the record */
	{ CHECKPOINT, NULL, NULL },
	{ SET, "new2", "after the checkpoint" },
	{ DEL, "k0", NULL },
	{ SET, "k3", "x" },
	{ DEL, "new2", NULL },
};

/* 70 changes: the journal (64 entries) fills and checkpoints by itself. */
static struct step script_wrap[70];
static char wrap_text[70][2][16];

static void init_script_wrap(void)
{
	for (unsigned i = 0; i < ELEMENTSOF(script_wrap); i++) {
		snprintf(wrap_text[i][0], sizeof(wrap_text[i][0]), "w%u", i % 12);
		snprintf(wrap_text[i][1], sizeof(wrap_text[i][1]), "v%u", i);
		script_wrap[i] = (struct step){ SET, wrap_text[i][0], wrap_text[i][1] };
	}
}

static const struct step *script;
static size_t script_len;

static void model_apply(struct model *m, const struct step *st)
{
	if (st->kind == SET)
		model_set(m, st->key, st->value);
	else if (st->kind == DEL)
		model_delete(m, st->key);
}

static int run_step(struct kvp_pool *p, const struct step *st)
{
	switch (st->kind) {
	case SET:
		return kvp_pool_set(p, st->key, st->value);
	case DEL:
		return kvp_pool_delete(p, st->key);
	default:
		return kvp_pool_checkpoint(p);
	}
}

static void initial_pool(const char *path, struct model *m)
{
	static const char *const kv[] = { "k0", "zero", "k1", "one", "k2", "two",
					  "k3", "three", "k4", "four", "k5", "five" };

	kt_write_pairs(path, kv, 6);
	for (size_t i = 0; i < 6; i++)
		model_set(m, kv[2 * i], kv[2 * i + 1]);
}

struct run_result {
	unsigned acked;		/* steps that returned 0 */
	bool crashed;
	unsigned calls;
};

/* Run the script with a crash after `budget` syscalls; returns what was acknowledged. */
static struct run_result run_script(struct sim *s, unsigned budget, unsigned tear, struct model *m0)
{
	struct kvp_pool_io io = {
		.pwrite = sim_pwrite,
		.fdatasync = sim_sync,
		.fsync = sim_sync,
		.ftruncate = sim_ftruncate,
		.get_boot = kt_get_boot,
		.inotify_init1 = no_inotify,
		.userdata = s,
	};
	struct kvp_pool_options o = { .durable = true, .io = &io };
	char *pool_path = kt_pool_path(dir, 1), *journal_path = kt_journal_path(dir, 1);
	struct run_result res = { 0 };
	struct kvp_pool *p;

	tl_rm_rf(dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	s->files[0].ino = s->files[1].ino = 0; /* numbers get reused: track nothing yet */
	initial_pool(pool_path, m0);
	s->budget = UINT32_MAX;
	s->crashed = false;
	s->calls = 0;
	ck_assert_int_eq(kvp_pool_open(dir, 1, &o, &p), 0);
	/* Everything so far is on disk; the crash may come after `budget` more calls. */
	sim_start(s, pool_path, journal_path);
	s->budget = budget;
	s->tear_sectors = tear;
	for (size_t i = 0; i < script_len; i++) {
		int r = run_step(p, &script[i]);

		if (r < 0) {
			ck_assert_msg(s->crashed, "step %zu failed without a crash: %s", i,
				      strerror(-r));
			break;
		}
		res.acked++;
	}
	kvp_pool_free(p); /* its checkpoint may crash too */
	res.crashed = s->crashed;
	res.calls = s->calls;
	free(pool_path);
	free(journal_path);
	return res;
}

static void write_in_place(const char *path, const uint8_t *img, size_t len)
{
	kt_write_bytes(path, img, len); /* keeps the inode, as a disk would */
}

static void check_outcome(struct sim *s, const struct run_result *res, enum outcome o,
			  unsigned seed, const struct model *m0, const char *what)
{
	char *paths[2] = { kt_pool_path(dir, 1), kt_journal_path(dir, 1) };
	struct model before = { 0 }, after = { 0 };
	struct kvp_pool_options ro = { .read_only = true, .io = &fast_io };
	struct kvp_pool_options rw = { .durable = true, .io = &fast_io };
	struct kvp_pool *p;
	struct kt_pool kp;
	uint8_t *now[2];
	size_t now_len[2];
	int r;

	/* The models: acknowledged steps, and those plus the interrupted one. */
	model_copy(&before, m0);
	for (unsigned i = 0; i < res->acked; i++)
		model_apply(&before, &script[i]);
	model_copy(&after, &before);
	if (res->acked < script_len)
		model_apply(&after, &script[res->acked]);

	for (int i = 0; i < 2; i++)
		now[i] = (uint8_t *)tl_read_file(paths[i], &now_len[i]);
	for (int i = 0; i < 2; i++) {
		size_t len;
		uint8_t *img = outcome_image(&s->files[i], now[i], now_len[i], o,
					     seed + (unsigned)i, &len);

		write_in_place(paths[i], img, len);
		free(img);
	}
	if (o != KILL9)
		kt_reboot(now_usec(CLOCK_REALTIME) + 3600 * USEC_PER_SEC);

	/* A reader first: it must see the right state without writing anything. */
	r = kvp_pool_open(dir, 1, &ro, &p);
	ck_assert_msg(r == 0, "%s: read-only open: %s", what, strerror(-r));
	ck_assert_msg(pool_matches(p, &before) || pool_matches(p, &after),
		      "%s: reader sees neither state", what);
	kvp_pool_free(p);

	r = kvp_pool_open(dir, 1, &rw, &p);
	ck_assert_msg(r == 0, "%s: open: %s", what, strerror(-r));
	ck_assert_msg(pool_matches(p, &before) || pool_matches(p, &after),
		      "%s: store sees neither state", what);
	kvp_pool_free(p);

	kt_read_pool(paths[0], &kp);
	ck_assert_msg(kp.len % KT_RS == 0, "%s: file length %zu", what, kp.len);
	ck_assert_msg(kp.padding_zero, "%s: unused bytes not zero", what);
	ck_assert_msg(file_matches(&kp, &before) || file_matches(&kp, &after),
		      "%s: file holds neither state (%zu records)", what, kp.n);
	kt_pool_done(&kp);
	kt_assert_sane(paths[0]);

	for (int i = 0; i < 2; i++) {
		free(now[i]);
		free(paths[i]);
	}
	model_done(&before);
	model_done(&after);
}

/* Crash after each budget in [from, to] (to = UINT_MAX: through the end). */
static unsigned crash_everywhere(unsigned from, unsigned to, const unsigned *tears, size_t n_tears)
{
	struct sim s = { 0 };
	struct model m0 = { 0 };
	struct run_result full;
	unsigned scenarios = 0;

	/* A clean run tells how many syscalls the script makes. */
	full = run_script(&s, UINT32_MAX, 0, &m0);
	model_done(&m0);
	ck_assert(!full.crashed);
	ck_assert_uint_eq(full.acked, script_len);
	ck_assert_uint_gt(full.calls, 30);
	to = MIN(to, full.calls);

	for (unsigned budget = from; budget <= to; budget++) {
		for (size_t t = 0; t < n_tears; t++) {
			for (int o = KILL9; o <= POWER_RANDOM; o++) {
				unsigned seeds = o == POWER_RANDOM ? 2 : 1;

				for (unsigned seed = 0; seed < seeds; seed++) {
					struct run_result res;
					char what[128];

					res = run_script(&s, budget, tears[t], &m0);
					snprintf(what, sizeof(what),
						 "crash after %u calls, tear %u, outcome %d/%u, "
						 "%u acked",
						 budget, tears[t], o, seed, res.acked);
					check_outcome(&s, &res, (enum outcome)o,
						      budget * 7919u + seed, &m0, what);
					model_done(&m0);
					scenarios++;
				}
			}
			if (budget == full.calls)
				break; /* nothing crashes: tearing changes nothing */
		}
	}
	sim_done(&s);
	return scenarios;
}

START_TEST(kvp_pool_crash__every_syscall_every_outcome)
{
	static const unsigned tears[] = { 0, 1, 7 };

	memset(long_value, 'L', sizeof(long_value) - 1);
	script = script_mixed;
	script_len = ELEMENTSOF(script_mixed);
	ck_assert_uint_gt(crash_everywhere(0, UINT32_MAX, tears, ELEMENTSOF(tears)), 500);
}
END_TEST

START_TEST(kvp_pool_crash__journal_wraparound)
{
	static const unsigned tears[] = { 0, 3 };

	init_script_wrap();
	script = script_wrap;
	script_len = ELEMENTSOF(script_wrap);
	/* 64 changes of 4 calls each, then the checkpoint and the next entry. */
	ck_assert_uint_gt(crash_everywhere(64 * 4 - 6, 64 * 4 + 14, tears, ELEMENTSOF(tears)),
			  100);
}
END_TEST

/*
 * Same boot: A's change is applied but not yet checkpointed; B dies after
 * journaling its own change; a foreign writer then makes B's entry
 * unexplainable, so the next opener drops it. Dropping must not strand
 * A's acknowledged change: after a power cut it is still there.
 */
START_TEST(kvp_pool_crash__dropped_entry_keeps_earlier_ones_durable)
{
	struct sim s = { 0 };
	struct kvp_pool_io io = {
		.pwrite = sim_pwrite,
		.fdatasync = sim_sync,
		.fsync = sim_sync,
		.ftruncate = sim_ftruncate,
		.get_boot = kt_get_boot,
		.inotify_init1 = no_inotify,
		.userdata = &s,
	};
	struct kvp_pool_options o = { .durable = true, .io = &io };
	struct kvp_pool_options plain = { .durable = true, .io = &fast_io };
	char *paths[2] = { kt_pool_path(dir, 1), kt_journal_path(dir, 1) };
	struct model m = { 0 };
	struct kvp_pool *p;
	char v[32];

	initial_pool(paths[0], &m);
	model_done(&m);
	s.budget = UINT32_MAX;
	ck_assert_int_eq(kvp_pool_open(dir, 1, &o, &p), 0);
	sim_start(&s, paths[0], paths[1]);
	s.budget = UINT32_MAX;
	ck_assert_int_eq(kvp_pool_set(p, "x", "acknowledged"), 0);
	/* B: its entry and the entry's sync complete, then it dies. */
	s.budget = s.calls + 2;
	ck_assert_int_lt(kvp_pool_set(p, "y", "never applied"), 0);
	kvp_pool_free(p);
	s.crashed = false;
	s.budget = UINT32_MAX;
	/* The upstream daemon appends where B's record was going. */
	kt_upstream_set(paths[0], "z", "foreign");
	ck_assert_int_eq(kvp_pool_open(dir, 1, &o, &p), 0);
	ck_assert_int_eq(kvp_pool_get(p, "y", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvp_pool_set(p, "w", "after"), 0); /* its sync carries the header */
	s.crashed = true; /* power cut before anything else */
	kvp_pool_free(p);

	for (int i = 0; i < 2; i++) {
		uint8_t *img;
		size_t len;

		img = outcome_image(&s.files[i], NULL, 0, POWER_LOST, 0, &len);
		write_in_place(paths[i], img, len);
		free(img);
	}
	kt_reboot(now_usec(CLOCK_REALTIME) + 3600 * USEC_PER_SEC);
	ck_assert_int_eq(kvp_pool_open(dir, 1, &plain, &p), 0);
	ck_assert_int_eq(kvp_pool_get(p, "x", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "acknowledged");
	ck_assert_int_eq(kvp_pool_get(p, "w", v, sizeof(v)), 0);
	kvp_pool_free(p);
	sim_done(&s);
	free(paths[0]);
	free(paths[1]);
}
END_TEST

/* ---- a real kill -9 ---- */

#define KILL_KEYS 13

static void kill_step(unsigned i, char *key, size_t ksize, char *value, size_t vsize, bool *del)
{
	snprintf(key, ksize, "key-%u", i % KILL_KEYS);
	*del = i % 5 == 3;
	/* Values of varying length so records differ in every sector. */
	snprintf(value, vsize, "value %u %.*s", i, (int)(i * 97 % 1900), long_value);
}

static void hammer(int ack_fd)
{
	struct kvp_pool_options o = { .durable = true };
	struct kvp_pool *p;

	if (kvp_pool_open(dir, 1, &o, &p) < 0)
		_exit(2);
	for (unsigned i = 0;; i++) {
		char key[32], value[2100];
		bool del;
		int r;

		kill_step(i, key, sizeof(key), value, sizeof(value), &del);
		r = del ? kvp_pool_delete(p, key) : kvp_pool_set(p, key, value);
		if (r < 0 && r != -ENOENT)
			_exit(3);
		if (write(ack_fd, &i, sizeof(i)) != sizeof(i))
			_exit(4);
	}
}

START_TEST(kvp_pool_crash__kill9_while_setting)
{
	memset(long_value, 'L', sizeof(long_value) - 1);
	srand((unsigned)getpid());
	for (unsigned round = 0; round < 15; round++) {
		struct model before = { 0 }, after = { 0 };
		struct kvp_pool_options o = { .durable = true };
		struct kvp_pool *p;
		unsigned acked = 0, want = 1 + (unsigned)rand() % 60, got;
		int fds[2], status;
		pid_t pid;

		ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			hammer(fds[1]);
		}
		close(fds[1]);
		while (acked < want && read(fds[0], &got, sizeof(got)) == sizeof(got))
			acked = got + 1;
		usleep((useconds_t)(rand() % 3000));
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		while (read(fds[0], &got, sizeof(got)) == sizeof(got))
			acked = got + 1;
		close(fds[0]);

		/* Every acknowledged step, and the next one done or not. */
		for (unsigned i = 0; i <= acked; i++) {
			char key[32], value[2100];
			bool del;

			kill_step(i, key, sizeof(key), value, sizeof(value), &del);
			if (i == acked)
				model_copy(&after, &before);
			if (del)
				model_delete(i < acked ? &before : &after, key);
			else
				model_set(i < acked ? &before : &after, key, value);
		}
		ck_assert_int_eq(kvp_pool_open(dir, 1, &o, &p), 0);
		ck_assert_msg(pool_matches(p, &before) || pool_matches(p, &after),
			      "round %u: %u acknowledged steps not all there", round, acked);
		/* The next process carries on from there. */
		ck_assert_int_eq(kvp_pool_set(p, "after", "kill"), 0);
		kvp_pool_free(p);
		kt_assert_pool_sane(dir, 1);
		model_done(&before);
		model_done(&after);
		tl_rm_rf(dir);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
	}
}
END_TEST

static Suite *kvp_pool_crash_suite(void)
{
	Suite *s = suite_create("kvp_pool_crash");
	TCase *tc;

	tc = tcase_create("kvp_pool_crash__every_syscall_every_outcome");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, kvp_pool_crash__every_syscall_every_outcome);
	suite_add_tcase(s, tc);

	tc = tcase_create("kvp_pool_crash__journal_wraparound");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, kvp_pool_crash__journal_wraparound);
	suite_add_tcase(s, tc);

	tc = tcase_create("kvp_pool_crash__dropped_entry_keeps_earlier_ones_durable");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kvp_pool_crash__dropped_entry_keeps_earlier_ones_durable);
	suite_add_tcase(s, tc);

	tc = tcase_create("kvp_pool_crash__kill9_while_setting");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, kvp_pool_crash__kill9_while_setting);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(kvp_pool_crash_suite());
}
