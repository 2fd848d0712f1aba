// SPDX-License-Identifier: MIT
/*
 * Who manages the interface, and writing + applying the configuration
 * through it. All paths are under opts->root; every file is replaced
 * atomically. What happens to configuration that is already there:
 *
 * - NetworkManager: our profile hyperv-<if> is bound to the interface name
 *   (and MAC) with autoconnect-priority=100 and activated on the device
 *   now; the admin's other profiles stay untouched and simply lose at
 *   boot (unless one has a higher priority: the admin's call).
 * - networkd: the first .network file in lexical order that matches a link
 *   wins, across /etc, /run and /usr/lib. Ours is 10-hyperv-<if>.network;
 *   if another file that could match the link sorts before it, ours moves
 *   to NN-1 of that file's NN; if that is impossible (the other is 00-*),
 *   -EEXIST and nothing is written: we never edit the admin's files there.
 *   Files masked (empty, /dev/null) or overridden by a file of the same
 *   name in a directory of higher precedence do not count. Our files of
 *   another priority are removed.
 * - ifupdown: ifupdown merges every stanza of an interface, so stale
 *   "iface <if> ..." stanzas in /etc/network/interfaces and the files of
 *   interfaces.d are commented out in place with the prefix
 *   "#hyperv-tools# " (remove it to restore); "auto"/"allow-" lines stay. If the main file does not
 *   include our file, a "source" line for it is appended. ifdown runs with
 *   the old files, ifup with the new ones.
 * - hook: upstream's files in the state directory are replaced each time.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "cleanup.h"
#include "kvp-netconf.h"
#include "log.h"
#include "util.h"

#ifndef HV_STATEDIR
#define HV_STATEDIR KVP_NETCONF_DEFAULT_STATE_DIR
#endif

#define NM_DIR "/etc/NetworkManager/system-connections"
#define NETWORKD_DIR "/etc/systemd/network"
#define NETWORKD_PRIO_DEFAULT 10
#define IFUPDOWN_MAIN "/etc/network/interfaces"
#define IFUPDOWN_DIR "/etc/network/interfaces.d"
#define IFUPDOWN_DISABLED "#hyperv-tools# "
#define CONFIG_MAX (1024 * 1024)

static const char *root_of(const struct kvp_netconf_options *opts)
{
	return opts->root ? opts->root : "";
}

static const struct kvp_netconf_ops *ops_of(const struct kvp_netconf_options *opts)
{
	return opts->ops ? opts->ops : &kvp_netconf_default_ops;
}

static uint64_t timeout_of(const struct kvp_netconf_options *opts)
{
	return opts->timeout_usec ? opts->timeout_usec : KVP_NETCONF_DEFAULT_TIMEOUT_USEC;
}

static bool file_exists(const char *root, const char *path)
{
	_cleanup_free_ char *p = NULL;

	if (asprintf(&p, "%s%s", root, path) < 0)
		return false;
	return access(p, F_OK) == 0;
}

static bool hook_usable(const char *hook)
{
	struct stat st;

	return hook && hook[0] == '/' && stat(hook, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(hook, X_OK) == 0;
}

/* ---- detection ---- */

/* KEY=value from networkd's link state file (sd_network_link_get_setup_state()). */
static int networkd_admin_state(const char *root, int ifindex, char **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char *line, *save = NULL;
	int r;

	if (ifindex <= 0)
		return -ENOENT;
	if (asprintf(&path, "%s/run/systemd/netif/links/%d", root, ifindex) < 0)
		return -ENOMEM;
	r = read_full_file(path, 64 * 1024, &text, NULL);
	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *v = startswith(line, "ADMIN_STATE=");

		if (v) {
			*ret = strdup(v);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return -ENODATA;
}

static bool nm_manages(const struct kvp_netconf_options *opts, const char *ifname)
{
	const struct kvp_netconf_ops *ops = ops_of(opts);
	_cleanup_free_ char *dev = NULL;

	if (!ops->nm_get_device_by_ip_iface || !ops->nm_device_get_managed)
		return false;
	if (ops->nm_get_device_by_ip_iface(opts->ops_userdata, ifname, &dev) < 0 || !dev)
		return false;
	return ops->nm_device_get_managed(opts->ops_userdata, dev) > 0;
}

static bool networkd_manages(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc)
{
	const struct kvp_netconf_ops *ops = ops_of(opts);
	_cleanup_free_ char *state = NULL;

	/* A stopped networkd leaves its state files behind: ask the bus when there is one. */
	if (ops->networkd_running && ops->networkd_running(opts->ops_userdata) == 0)
		return false;
	if (networkd_admin_state(root_of(opts), nc->ifindex, &state) < 0)
		return false;
	return streq(state, "configuring") || streq(state, "configured") || streq(state, "failed");
}

static const char *ifupdown_program(const char *root, const char *name, char *buf, size_t size)
{
	static const char *const dirs[] = { "/usr/sbin/", "/sbin/" };

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(buf, size, "%s%s", dirs[i], name);
		if (file_exists(root, buf))
			return buf;
	}
	return NULL;
}

static bool ifupdown_installed(const char *root)
{
	char buf[64];

	return file_exists(root, IFUPDOWN_MAIN) && ifupdown_program(root, "ifup", buf, sizeof(buf));
}

int kvp_netconf_detect(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc,
		       enum kvp_netconf_backend *ret)
{
	if (opts->backend != KVP_NETCONF_AUTO) {
		if ((unsigned)opts->backend >= _KVP_NETCONF_BACKEND_MAX)
			return -EINVAL;
		*ret = opts->backend;
		return 0;
	}
	if (hook_usable(opts->hook))
		*ret = KVP_NETCONF_HOOK;
	else if (nm_manages(opts, nc->ifname))
		*ret = KVP_NETCONF_NETWORKMANAGER;
	else if (networkd_manages(opts, nc))
		*ret = KVP_NETCONF_NETWORKD;
	else if (ifupdown_installed(root_of(opts)))
		*ret = KVP_NETCONF_IFUPDOWN;
	else
		return -EOPNOTSUPP;
	return 0;
}

/* ---- shared helpers ---- */

static bool uuid_valid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* Keep the uuid of our existing profile (NM tracks it), else a new random one. */
static int nm_pick_uuid(const char *path, char uuid[static 37])
{
	_cleanup_free_ char *text = NULL;
	sd_id128_t id;
	int r;

	if (read_full_file(path, CONFIG_MAX, &text, NULL) >= 0) {
		char *save = NULL;

		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			const char *v = startswith(l, "uuid=");

			if (v && uuid_valid(v)) {
				memcpy(uuid, v, 37);
				return 0;
			}
		}
	}
	r = sd_id128_randomize(&id);
	if (r < 0)
		return r;
	snprintf(uuid, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 id.bytes[0], id.bytes[1], id.bytes[2], id.bytes[3], id.bytes[4], id.bytes[5],
		 id.bytes[6], id.bytes[7], id.bytes[8], id.bytes[9], id.bytes[10], id.bytes[11],
		 id.bytes[12], id.bytes[13], id.bytes[14], id.bytes[15]);
	return 0;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	int r = mkdir_parents(path, 0755);

	if (r < 0)
		return r;
	return write_file_atomic(path, text, strlen(text), mode);
}

static int run_program(const struct kvp_netconf_options *opts, char *const argv[],
		       uint64_t timeout_usec)
{
	const struct kvp_netconf_ops *ops = ops_of(opts);

	if (!ops->run)
		return -EOPNOTSUPP;
	return ops->run(opts->ops_userdata, argv, timeout_usec);
}

/* ---- NetworkManager ---- */

static int write_nm(const struct kvp_netconf_options *opts, struct kvp_netconf *nc)
{
	const struct kvp_netconf_ops *ops = ops_of(opts);
	_cleanup_free_ char *path = NULL, *text = NULL, *conn = NULL, *dev = NULL;
	int r;

	if (asprintf(&path, "%s" NM_DIR "/hyperv-%s.nmconnection", root_of(opts), nc->ifname) < 0)
		return -ENOMEM;
	r = nm_pick_uuid(path, nc->uuid);
	if (r < 0)
		return r;
	r = kvp_netconf_render_nm(nc, &text);
	if (r < 0)
		return r;
	/* NM ignores keyfiles anyone else can read. */
	r = write_text(path, text, 0600);
	if (r < 0)
		return log_debug_errno(r, "netconf: cannot write %s", path);
	if (!opts->apply)
		return 0;

	if (!ops->nm_load_connection || !ops->nm_get_connection_by_uuid ||
	    !ops->nm_get_device_by_ip_iface || !ops->nm_activate_connection)
		return -EOPNOTSUPP;
	r = ops->nm_load_connection(opts->ops_userdata, path);
	if (r < 0)
		return log_debug_errno(r, "netconf: NetworkManager did not load %s", path);
	r = ops->nm_get_connection_by_uuid(opts->ops_userdata, nc->uuid, &conn);
	if (r < 0)
		return log_debug_errno(r, "netconf: NetworkManager has no connection %s", nc->uuid);
	r = ops->nm_get_device_by_ip_iface(opts->ops_userdata, nc->ifname, &dev);
	if (r < 0)
		return log_debug_errno(r, "netconf: NetworkManager has no device %s", nc->ifname);
	r = ops->nm_activate_connection(opts->ops_userdata, conn, dev);
	if (r < 0)
		return log_debug_errno(r, "netconf: NetworkManager did not activate %s", conn);
	return 0;
}

/* ---- systemd-networkd ---- */

/* Could this .network file's [Match] select the link? Unknown keys: assume yes. */
static bool networkd_file_matches(const char *path, const struct kvp_netconf *nc)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	bool in_match = false, seen_match = false, matches = true;

	/* Unreadable, or empty (masked with /dev/null): not in use. */
	if (read_full_file(path, CONFIG_MAX, &text, NULL) < 0 || !text[0])
		return false;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *line = strstrip(l), *eq, *value, *word, *wsave = NULL;
		bool invert = false, any = false;

		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			in_match = streq(line, "[Match]");
			seen_match |= in_match;
			continue;
		}
		if (!in_match || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		value = strstrip(eq + 1);
		line = strstrip(line);
		if (*value == '!') {
			invert = true;
			value++;
		}
		if (!*value)
			continue;
		if (streq(line, "Name")) {
			for (word = strtok_r(value, " \t", &wsave); word;
			     word = strtok_r(NULL, " \t", &wsave))
				any |= fnmatch(word, nc->ifname, 0) == 0;
		} else if (streq(line, "MACAddress") || streq(line, "PermanentMACAddress")) {
			if (!nc->mac[0])
				continue;
			for (word = strtok_r(value, " \t", &wsave); word;
			     word = strtok_r(NULL, " \t", &wsave))
				any |= strcasecmp(word, nc->mac) == 0;
		} else {
			continue;
		}
		if (any == invert)
			matches = false;
	}
	/* A file without [Match] applies to every link. */
	return seen_match ? matches : true;
}

static bool is_our_networkd_file(const char *name, const char *ifname)
{
	const char *p = name;
	size_t n = strlen(ifname);

	while (isdigit((unsigned char)*p))
		p++;
	if (p == name || !(p = startswith(p, "-hyperv-")))
		return false;
	return strncmp(p, ifname, n) == 0 && streq(p + n, ".network");
}

/* networkd's search path, highest precedence first. */
static const char *const networkd_dirs[] = { "/etc/systemd/network", "/run/systemd/network",
					     "/usr/local/lib/systemd/network",
					     "/usr/lib/systemd/network", "/lib/systemd/network" };

/* A file of the same name in a directory of higher precedence replaces this one. */
static bool networkd_overridden(const char *root, size_t dir_idx, const char *name)
{
	for (size_t j = 0; j < dir_idx; j++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s%s/%s", root, networkd_dirs[j], name) >= 0 &&
		    access(p, F_OK) == 0)
			return true;
	}
	return false;
}

/*
 * The lowest-sorting .network file (not ours) that could match and sorts
 * before candidate, into ret (or "" when there is none).
 */
static int networkd_first_conflict(const char *root, const struct kvp_netconf *nc,
				   const char *candidate, char *ret, size_t size)
{
	ret[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(networkd_dirs); i++) {
		_cleanup_free_ char *dir = NULL;
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		if (asprintf(&dir, "%s%s", root, networkd_dirs[i]) < 0)
			return -ENOMEM;
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			_cleanup_free_ char *path = NULL;
			size_t len = strlen(de->d_name);

			if (len < 9 || !streq(de->d_name + len - 8, ".network"))
				continue;
			if (is_our_networkd_file(de->d_name, nc->ifname))
				continue;
			if (strcmp(de->d_name, candidate) >= 0)
				continue;
			if (ret[0] && strcmp(de->d_name, ret) >= 0)
				continue;
			if (networkd_overridden(root, i, de->d_name))
				continue;
			if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
				return -ENOMEM;
			if (networkd_file_matches(path, nc))
				(void)strscpy(ret, de->d_name, size);
		}
	}
	return 0;
}

static int networkd_pick_name(const char *root, const struct kvp_netconf *nc, char *ret,
			      size_t size)
{
	int prio = NETWORKD_PRIO_DEFAULT;

	for (;;) {
		char conflict[256];
		int r;

		snprintf(ret, size, "%02d-hyperv-%s.network", prio, nc->ifname);
		r = networkd_first_conflict(root, nc, ret, conflict, sizeof(conflict));
		if (r < 0)
			return r;
		if (!conflict[0])
			return 0;
		if (!isdigit((unsigned char)conflict[0]) || !isdigit((unsigned char)conflict[1]) ||
		    (conflict[0] == '0' && conflict[1] == '0'))
			return log_debug_errno(
				-EEXIST, "netconf: %s would override our configuration", conflict);
		prio = (conflict[0] - '0') * 10 + (conflict[1] - '0') - 1;
	}
}

static void networkd_remove_stale(const char *root, const struct kvp_netconf *nc, const char *keep)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (asprintf(&dir, "%s" NETWORKD_DIR, root) < 0)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (is_our_networkd_file(de->d_name, nc->ifname) && !streq(de->d_name, keep))
			(void)unlinkat(dirfd(d), de->d_name, 0);
}

static int write_networkd(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc)
{
	const struct kvp_netconf_ops *ops = ops_of(opts);
	_cleanup_free_ char *path = NULL, *text = NULL;
	char name[64];
	int r;

	r = networkd_pick_name(root_of(opts), nc, name, sizeof(name));
	if (r < 0)
		return r;
	r = kvp_netconf_render_networkd(nc, &text);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s" NETWORKD_DIR "/%s", root_of(opts), name) < 0)
		return -ENOMEM;
	r = write_text(path, text, 0644);
	if (r < 0)
		return log_debug_errno(r, "netconf: cannot write %s", path);
	networkd_remove_stale(root_of(opts), nc, name);
	if (!opts->apply)
		return 0;

	if (!ops->networkd_reload || !ops->networkd_reconfigure_link)
		return -EOPNOTSUPP;
	r = ops->networkd_reload(opts->ops_userdata);
	if (r < 0)
		return log_debug_errno(r, "netconf: networkd did not reload");
	r = ops->networkd_reconfigure_link(opts->ops_userdata, nc->ifindex);
	if (r < 0)
		return log_debug_errno(r, "netconf: networkd did not reconfigure %s", nc->ifname);
	return 0;
}

/* ---- ifupdown ---- */

struct ifupdown_edit {
	char *path;
	char *text; /* new contents */
};

static bool stanza_start(const char *word)
{
	return streq(word, "iface") || streq(word, "mapping") || streq(word, "auto") ||
	       startswith(word, "allow-") || streq(word, "source") ||
	       streq(word, "source-directory") || streq(word, "rename") ||
	       streq(word, "no-auto-down") || streq(word, "no-scripts");
}

/* Word idx (0-based, blank-separated) of line into buf; false if absent or too long. */
static bool nth_word(const char *line, unsigned idx, char *buf, size_t size)
{
	buf[0] = '\0';
	for (unsigned i = 0;; i++) {
		size_t n;

		line += strspn(line, " \t");
		n = strcspn(line, " \t");
		if (n == 0)
			return false;
		if (i == idx) {
			if (n >= size)
				return false;
			memcpy(buf, line, n);
			buf[n] = '\0';
			return true;
		}
		line += n;
	}
}

/* Does a "source"/"source-directory" line of the main file pull our file in? */
static bool source_includes(const char *keyword, const char *arg, const char *ours)
{
	const char *base = strrchr(ours, '/') + 1;
	char pattern[PATH_MAX];
	size_t n;

	if (arg[0] == '/')
		(void)strscpy(pattern, arg, sizeof(pattern));
	else
		snprintf(pattern, sizeof(pattern), "/etc/network/%s", arg);
	if (streq(keyword, "source"))
		return fnmatch(pattern, ours, FNM_PATHNAME) == 0;
	/* source-directory: run-parts names only, [A-Za-z0-9_-]+ */
	n = strlen(pattern);
	while (n > 1 && pattern[n - 1] == '/')
		pattern[--n] = '\0';
	if (strncmp(pattern, ours, n) != 0 || ours + n + 1 != base)
		return false;
	for (const char *p = base; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/*
 * Comment out "iface <ifname> ..." stanzas of text. Returns the new text
 * (NULL when unchanged) and whether a source line includes ours.
 */
static int ifupdown_disable_stanzas(const char *text, const char *ifname, const char *ours,
				    char **ret, bool *ret_includes)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	bool in_ours = false, changed = false, includes = false, continued = false;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		_cleanup_free_ char *line = strndup(l, n);
		char w1[64], w2[PATH_MAX];

		if (!line) {
			fclose(f);
			return -ENOMEM;
		}
		nth_word(line, 0, w1, sizeof(w1));
		/* A stanza keyword starts a logical line, never a continuation. */
		if (!continued && stanza_start(w1)) {
			in_ours = streq(w1, "iface") && nth_word(line, 1, w2, sizeof(w2)) &&
				  streq(w2, ifname);
			if ((streq(w1, "source") || streq(w1, "source-directory")) &&
			    nth_word(line, 1, w2, sizeof(w2)))
				includes |= source_includes(w1, w2, ours);
		}
		if (in_ours && w1[0] && w1[0] != '#') {
			fputs(IFUPDOWN_DISABLED, f);
			changed = true;
		}
		fwrite(l, 1, n, f);
		continued = n > 0 && l[n - 1] == '\\';
		l += n;
		if (*l == '\n') {
			fputc('\n', f);
			l++;
		}
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = changed ? TAKE_PTR(buf) : NULL;
	*ret_includes = includes;
	return 0;
}

static void edits_free(struct ifupdown_edit *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].path);
		free(e[i].text);
	}
	free(e);
}

static int edits_add(struct ifupdown_edit **e, size_t *n, const char *path, char *text)
{
	struct ifupdown_edit *ne = realloc(*e, sizeof(**e) * (*n + 1));

	if (!ne)
		return -ENOMEM;
	*e = ne;
	ne[*n].path = strdup(path);
	if (!ne[*n].path)
		return -ENOMEM;
	ne[*n].text = text;
	(*n)++;
	return 0;
}

/* Every change to the admin's files, computed before anything is touched. */
static int ifupdown_plan(const char *root, const char *ifname, const char *ours_real,
			 struct ifupdown_edit **edits, size_t *n_edits)
{
	_cleanup_free_ char *main_path = NULL, *main_text = NULL, *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	char *new_text = NULL;
	bool includes = false;
	struct dirent *de;
	int r;

	if (asprintf(&main_path, "%s" IFUPDOWN_MAIN, root) < 0)
		return -ENOMEM;
	r = read_full_file(main_path, CONFIG_MAX, &main_text, NULL);
	if (r == -ENOENT) {
		main_text = strdup("");
		if (!main_text)
			return -ENOMEM;
	} else if (r < 0) {
		return r;
	}
	r = ifupdown_disable_stanzas(main_text, ifname, ours_real, &new_text, &includes);
	if (r < 0)
		return r;
	if (!includes) {
		const char *base = new_text ? new_text : main_text;
		size_t len = strlen(base);
		char *t;

		if (asprintf(&t, "%s%s# Added by hv_kvp_daemon (Hyper-V IP injection)\nsource %s\n",
			     base, len && base[len - 1] != '\n' ? "\n" : "", ours_real) < 0) {
			free(new_text);
			return -ENOMEM;
		}
		free(new_text);
		new_text = t;
	}
	if (new_text) {
		r = edits_add(edits, n_edits, main_path, new_text);
		if (r < 0) {
			free(new_text);
			return r;
		}
	}

	if (asprintf(&dir, "%s" IFUPDOWN_DIR, root) < 0)
		return -ENOMEM;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		bool dummy;

		if (de->d_name[0] == '.' || streq(strrchr(ours_real, '/') + 1, de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			return -ENOMEM;
		if (read_full_file(path, CONFIG_MAX, &text, NULL) < 0)
			continue;
		new_text = NULL;
		r = ifupdown_disable_stanzas(text, ifname, ours_real, &new_text, &dummy);
		if (r < 0)
			return r;
		if (new_text) {
			r = edits_add(edits, n_edits, path, new_text);
			if (r < 0) {
				free(new_text);
				return r;
			}
		}
	}
	return 0;
}

static int write_ifupdown(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc)
{
	const char *root = root_of(opts);
	_cleanup_free_ char *ours_real = NULL, *path = NULL, *text = NULL;
	struct ifupdown_edit *edits = NULL;
	size_t n_edits = 0;
	char ifup[64], ifdown[64];
	bool have_prog;
	int r;

	if (asprintf(&ours_real, IFUPDOWN_DIR "/hyperv-%s", nc->ifname) < 0 ||
	    asprintf(&path, "%s%s", root, ours_real) < 0)
		return -ENOMEM;
	r = kvp_netconf_render_ifupdown(nc, &text);
	if (r < 0)
		return r;
	r = ifupdown_plan(root, nc->ifname, ours_real, &edits, &n_edits);
	if (r < 0)
		goto out;

	have_prog = ifupdown_program(root, "ifup", ifup, sizeof(ifup)) &&
		    ifupdown_program(root, "ifdown", ifdown, sizeof(ifdown));
	if (opts->apply && !have_prog) {
		r = -EOPNOTSUPP;
		goto out;
	}
	if (opts->apply) {
		char *argv[] = { ifdown, "--", (char *)nc->ifname, NULL };

		/*
		 * With the old files, so the old addresses go away; may fail if it
		 * was down. A quarter of the budget: ifdown + ifup share the driver's 30 s.
		 */
		(void)run_program(opts, argv, timeout_of(opts) / 4);
	}

	r = write_text(path, text, 0644);
	for (size_t i = 0; r >= 0 && i < n_edits; i++)
		r = write_file_atomic(edits[i].path, edits[i].text, strlen(edits[i].text), 0644);
	if (r < 0) {
		(void)log_debug_errno(r, "netconf: cannot write ifupdown configuration");
		if (opts->apply) {
			char *argv[] = { ifup, "--", (char *)nc->ifname, NULL };

			/* Bring it back the way it was. */
			(void)run_program(opts, argv, timeout_of(opts));
		}
		goto out;
	}
	if (opts->apply) {
		char *argv[] = { ifup, "--", (char *)nc->ifname, NULL };

		r = run_program(opts, argv, timeout_of(opts));
		if (r > 0) {
			log_debug("netconf: ifup %s exited with status %d", nc->ifname, r);
			r = -EIO;
		}
	}
out:
	edits_free(edits, n_edits);
	return r < 0 ? r : 0;
}

/* ---- the hv_set_ifconfig hook ---- */

static int write_hook(const struct kvp_netconf_options *opts, struct kvp_netconf *nc)
{
	_cleanup_free_ char *ifcfg_path = NULL, *nm_path = NULL, *ifcfg = NULL, *nm = NULL;
	const char *state = opts->state_dir ? opts->state_dir : HV_STATEDIR;
	int r;

	if (!hook_usable(opts->hook))
		return log_debug_errno(-ENOENT, "netconf: hook %s is not an executable file",
				       strempty(opts->hook));
	/* Upstream's names and locations: $state/ifcfg-<if>, $state/<if>.nmconnection. */
	if (asprintf(&ifcfg_path, "%s%s/ifcfg-%s", root_of(opts), state, nc->ifname) < 0 ||
	    asprintf(&nm_path, "%s%s/%s.nmconnection", root_of(opts), state, nc->ifname) < 0)
		return -ENOMEM;
	r = nm_pick_uuid(nm_path, nc->uuid);
	if (r < 0)
		return r;
	r = kvp_netconf_render_ifcfg(nc, &ifcfg);
	if (r < 0)
		return r;
	r = kvp_netconf_render_nm(nc, &nm);
	if (r < 0)
		return r;
	r = write_text(ifcfg_path, ifcfg, 0644);
	if (r >= 0)
		r = write_text(nm_path, nm, 0600);
	if (r < 0)
		return log_debug_errno(r, "netconf: cannot write the hook's files");
	if (!opts->apply)
		return 0;

	{
		char *argv[] = { (char *)opts->hook, ifcfg_path, nm_path, NULL };

		r = run_program(opts, argv, timeout_of(opts));
	}
	if (r < 0)
		return log_debug_errno(r, "netconf: hook %s did not complete", opts->hook);
	if (r > 0) {
		log_debug("netconf: hook %s exited with status %d", opts->hook, r);
		return -EIO;
	}
	return 0;
}

int kvp_netconf_write_backend(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc,
			      enum kvp_netconf_backend backend)
{
	_cleanup_free_ struct kvp_netconf *copy = NULL;

	if (!kvp_netconf_ifname_valid(nc->ifname))
		return -EINVAL;
	/* The writers fill in the uuid; the caller's struct stays as it was. */
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *nc;

	switch (backend) {
	case KVP_NETCONF_NETWORKMANAGER:
		return write_nm(opts, copy);
	case KVP_NETCONF_NETWORKD:
		return write_networkd(opts, copy);
	case KVP_NETCONF_IFUPDOWN:
		return write_ifupdown(opts, copy);
	case KVP_NETCONF_HOOK:
		return write_hook(opts, copy);
	default:
		return -EINVAL;
	}
}
