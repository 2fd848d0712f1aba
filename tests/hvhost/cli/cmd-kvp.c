// SPDX-License-Identifier: MIT
/*
 * kvp and ip: the KVP exchange as Hyper-V's Msvm_KvpExchangeComponent and
 * Get-VMNetworkAdapter show it. Every key and value came from the guest or
 * passed through it, so all of it is printed escaped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

/* The order and names Hyper-V's WMI classes use for the pools. */
static const struct {
	int pool;
	const char *group;
} pool_groups[] = {
	{ 2, "GuestIntrinsicExchangeItems" }, { 1, "GuestExchangeItems" },
	{ 0, "HostExchangeItems" },	      { 3, "HostOnlyItems" },
	{ 4, "GuestInternalItems" },
};

static const char *pool_group(int pool)
{
	for (size_t i = 0; i < ELEMENTSOF(pool_groups); i++)
		if (pool_groups[i].pool == pool)
			return pool_groups[i].group;
	return "?";
}

static json_object *pool_args(int pool)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "pool", json_object_new_int(pool));
	return args;
}

/* "  key = value" or "  key = value (u32)"; a malformed item is said to be one. */
static int print_item(json_object *item, const char *command)
{
	json_object *key, *value, *type;

	if (!json_object_is_type(item, json_type_object) ||
	    !json_object_object_get_ex(item, "key", &key) ||
	    !json_object_is_type(key, json_type_string) ||
	    !json_object_object_get_ex(item, "value", &value)) {
		log_error("%s: QEMU returned an item without key or value", command);
		return -EBADMSG;
	}
	fputs("  ", stdout);
	hvhost_print_value(stdout, key);
	fputs(" = ", stdout);
	hvhost_print_value(stdout, value);
	if (json_object_object_get_ex(item, "type", &type) &&
	    !(json_object_is_type(type, json_type_string) &&
	      streq(json_object_get_string(type), "string"))) {
		fputs(" (", stdout);
		hvhost_print_value(stdout, type);
		fputs(")", stdout);
	}
	fputs("\n", stdout);
	return 0;
}

int hvhost_cmd_kvp_list(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *pools = json_object_new_array();
	int ret = 0, r;

	if (!pools)
		return log_oom();
	/* Connect first: no header for a VM that is not there. */
	r = hvhost_qmp(h, &(struct qmp *){ NULL });
	if (r < 0) {
		json_object_put(pools);
		return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(pool_groups); i++) {
		int pool = pool_groups[i].pool;
		json_object *items = NULL, *entry;
		size_t n;

		if (a->pool != HVHOST_POOL_ALL && a->pool != pool)
			continue;
		if (!a->json)
			printf("%s (pool %d, %s)\n", pool_groups[i].group, pool,
			       hvhost_pool_name(pool));
		r = hvhost_call(h, "hv-kvp-enumerate", pool_args(pool), 0, &items);
		if (r == 0)
			r = hvhost_expect_array(items, "hv-kvp-enumerate");
		entry = json_object_new_object();
		json_object_object_add(entry, "pool", json_object_new_int(pool));
		json_object_object_add(entry, "name",
				       json_object_new_string(hvhost_pool_name(pool)));
		json_object_object_add(entry, "group", json_object_new_string(pool_group(pool)));
		if (r < 0) {
			ret = r;
			json_object_put(items);
			json_object_object_add(entry, "error",
					       json_object_new_string(h->qmp && h->qmp->error_desc ?
									      h->qmp->error_desc :
									      strerror(-r)));
			json_object_array_add(pools, entry);
			/* QEMU without the command, or gone: the other pools will not do better. */
			if (r != -EREMOTEIO ||
			    (h->qmp && streq_ptr(h->qmp->error_class, "CommandNotFound")))
				break;
			continue;
		}
		n = json_object_array_length(items);
		for (size_t k = 0; !a->json && k < n; k++) {
			r = print_item(json_object_array_get_idx(items, k), "hv-kvp-enumerate");
			if (r < 0)
				ret = r;
		}
		if (!a->json && n == 0)
			printf("  (no items)\n");
		json_object_object_add(entry, "items", items);
		json_object_array_add(pools, entry);
	}

	if (a->json) {
		json_object *doc;

		if (a->pool != HVHOST_POOL_ALL && json_object_array_length(pools) == 1) {
			doc = json_object_get(json_object_array_get_idx(pools, 0));
			json_object_put(pools);
		} else {
			doc = json_object_new_object();
			json_object_object_add(doc, "pools", pools);
		}
		r = hvhost_json_print(doc);
		return ret < 0 ? ret : r;
	}
	json_object_put(pools);
	return ret;
}

static json_object *key_args(const struct hvhost_args *a)
{
	json_object *args = pool_args(a->pool);

	json_object_object_add(args, "key", json_object_new_string(a->key));
	return args;
}

int hvhost_cmd_kvp_get(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *ret = NULL, *value;
	int r;

	r = hvhost_call(h, "hv-kvp-get", key_args(a), 0, &ret);
	if (r < 0)
		return r;
	if (hvhost_expect_object(ret, "hv-kvp-get") < 0 ||
	    !json_object_object_get_ex(ret, "value", &value)) {
		json_object_put(ret);
		log_error("hv-kvp-get: QEMU's answer has no value");
		return -EBADMSG;
	}
	if (a->json) {
		json_object_object_add(ret, "pool", json_object_new_int(a->pool));
		return hvhost_json_print(ret);
	}
	hvhost_print_value(stdout, value);
	fputs("\n", stdout);
	json_object_put(ret);
	return 0;
}

static int print_done(struct hvhost *h, const char *what)
{
	const struct hvhost_args *a = h->args;

	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "pool", json_object_new_int(a->pool));
		json_object_object_add(doc, "key", json_object_new_string(a->key));
		if (a->value)
			json_object_object_add(doc, "value", json_object_new_string(a->value));
		return hvhost_json_print(doc);
	}
	printf("%s ", what);
	hvhost_print_escaped(stdout, a->key, strlen(a->key));
	printf(" in pool %d (%s)\n", a->pool, hvhost_pool_name(a->pool));
	return 0;
}

int hvhost_cmd_kvp_set(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *args = key_args(a);
	int r;

	json_object_object_add(args, "value", json_object_new_string(a->value));
	if (a->value_type)
		json_object_object_add(args, "type", json_object_new_string(a->value_type));
	r = hvhost_call(h, "hv-kvp-set", args, 0, NULL);
	if (r < 0)
		return r;
	return print_done(h, "set");
}

int hvhost_cmd_kvp_delete(struct hvhost *h)
{
	int r;

	r = hvhost_call(h, "hv-kvp-delete", key_args(h->args), 0, NULL);
	if (r < 0)
		return r;
	return print_done(h, "deleted");
}

/* "{a, b}" as PowerShell shows a string array; members that are not strings are skipped. */
static void print_list(const char *label, json_object *obj, const char *key)
{
	json_object *list;
	bool first = true;

	printf("%-16s: {", label);
	if (json_object_object_get_ex(obj, key, &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *v = json_object_array_get_idx(list, i);

			if (!json_object_is_type(v, json_type_string))
				continue;
			if (!first)
				fputs(", ", stdout);
			hvhost_print_value(stdout, v);
			first = false;
		}
	} else if (json_object_object_get_ex(obj, key, &list)) {
		hvhost_print_value(stdout, list);
	}
	fputs("}\n", stdout);
}

int hvhost_cmd_ip_get(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *args = json_object_new_object(), *ret = NULL, *v;
	char macbuf[13];
	size_t k = 0;
	int r;

	json_object_object_add(args, "mac", json_object_new_string(a->mac));
	r = hvhost_call(h, "hv-kvp-get-ip-info", args, 0, &ret);
	if (r < 0)
		return r;
	r = hvhost_expect_object(ret, "hv-kvp-get-ip-info");
	if (r < 0) {
		json_object_put(ret);
		return r;
	}
	if (a->json)
		return hvhost_json_print(ret);

	/* Get-VMNetworkAdapter writes the MAC as 12 upper-case hex digits. */
	for (const char *p = a->mac; *p && k < 12; p++)
		if (*p != ':')
			macbuf[k++] = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
	macbuf[k] = '\0';

	printf("%-16s: ", "AdapterId");
	if (json_object_object_get_ex(ret, "adapter-id", &v))
		hvhost_print_value(stdout, v);
	printf("\n%-16s: %s\n", "MacAddress", macbuf);
	printf("%-16s: ", "DhcpEnabled");
	if (json_object_object_get_ex(ret, "dhcp", &v) && json_object_is_type(v, json_type_boolean))
		fputs(json_object_get_boolean(v) ? "True" : "False", stdout);
	else if (json_object_object_get_ex(ret, "dhcp", &v))
		hvhost_print_value(stdout, v);
	fputs("\n", stdout);
	print_list("IPAddresses", ret, "addresses");
	print_list("Subnets", ret, "subnets");
	print_list("DefaultGateways", ret, "gateways");
	print_list("DnsServers", ret, "dns");
	json_object_put(ret);
	return 0;
}

static json_object *strv_to_array(char **l)
{
	json_object *arr = json_object_new_array();

	STRV_FOREACH(s, l)
		json_object_array_add(arr, json_object_new_string(*s));
	return arr;
}

int hvhost_cmd_ip_set(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *args = json_object_new_object(), *ret = NULL;
	char buf[48];
	uint32_t status;
	int r;

	json_object_object_add(args, "adapter-id", json_object_new_string(a->adapter_id));
	json_object_object_add(args, "mac", json_object_new_string(a->mac));
	json_object_object_add(args, "dhcp", json_object_new_boolean(a->dhcp));
	json_object_object_add(args, "addresses", strv_to_array(a->addresses));
	json_object_object_add(args, "subnets", strv_to_array(a->subnets));
	json_object_object_add(args, "gateways", strv_to_array(a->gateways));
	json_object_object_add(args, "dns", strv_to_array(a->dns));
	r = hvhost_call(h, "hv-kvp-set-ip-info", args, 0, &ret);
	if (r < 0)
		return r;
	r = hvhost_get_u32(ret, "hv-kvp-set-ip-info", "status", &status);
	if (r < 0) {
		json_object_put(ret);
		return r;
	}
	if (a->json) {
		json_object_object_add(
			ret, "status-name",
			json_object_new_string(strempty(hvhost_status_name(status))));
		r = hvhost_json_print(ret);
	} else {
		printf("guest answered %s\n", hvhost_status_text(status, buf, sizeof(buf)));
		json_object_put(ret);
	}
	if (status != 0) {
		log_error("hv-kvp-set-ip-info: the guest did not apply the configuration");
		return -EREMOTEIO;
	}
	return r;
}
