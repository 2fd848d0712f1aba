// SPDX-License-Identifier: MIT
/*
 * nic-add, nic-del and link: network adapters hot added and removed as
 * Hyper-V's Add-VMNetworkAdapter does, each on a user-mode netdev of its
 * own, and their link state (Connect/Disconnect-VMNetworkAdapter). A VMBus
 * NIC goes away only once the guest released its channel: nic-del waits
 * for DEVICE_DELETED before it deletes the netdev.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

#define NIC_MAX_INDEX 4096u /* nic<N>: far more than any VM has */

/* Is there a device with this id under /machine/peripheral (a qom-list answer)? */
static bool have_device(json_object *list, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *name, *type;
		size_t type_len;

		if (hvhost_qom_child(json_object_array_get_idx(list, i), &name, &type, &type_len) &&
		    streq(name, id))
			return true;
	}
	return false;
}

/*
 * The MAC of NIC n: the boot MAC + n, the boot MAC being what the lowest
 * nic<k> QEMU has says (its MAC - k), else boot's default.
 */
static int default_mac(struct hvhost *h, json_object *list, unsigned n, char ret[18])
{
	const char *base = HVHOST_DEFAULT_MAC;
	json_object *mac = NULL;
	char found[18];
	int r;

	for (unsigned k = 0; k < NIC_MAX_INDEX; k++) {
		char id[32];

		snprintf(id, sizeof(id), "nic%u", k);
		if (!have_device(list, id))
			continue;
		r = hvhost_qom_get(h, id, "mac", &mac);
		if (r == 0 && json_object_is_type(mac, json_type_string) &&
		    hvhost_mac_add(json_object_get_string(mac), -(int64_t)k, found) == 0)
			base = found;
		else if (r == -EREMOTEIO)
			log_debug("nic-add: %s has no MAC; starting from %s", id, base);
		json_object_put(mac);
		if (r < 0 && r != -EREMOTEIO)
			return r;
		break;
	}
	return hvhost_mac_add(base, n, ret) < 0 ? -EINVAL : 0;
}

int hvhost_cmd_nic_add(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	const char *driver = hvhost_nic_driver(a->nic_model);
	_cleanup_free_ char *netdev = NULL;
	json_object *list = NULL, *args;
	char default_id[32], mac[18];
	const char *id;
	unsigned n = 0;
	int r;

	if (!driver)
		return log_error_errno(EINVAL, "nic-add: unknown model %s", a->nic_model);
	r = hvhost_qom_children(h, "/machine/peripheral", &list);
	if (r < 0)
		return r;
	/* N: the first nic<N> not taken; it numbers the MAC also with --id. */
	for (; n < NIC_MAX_INDEX; n++) {
		snprintf(default_id, sizeof(default_id), "nic%u", n);
		if (!have_device(list, default_id))
			break;
	}
	if (a->device_id && have_device(list, a->device_id)) {
		json_object_put(list);
		return log_error_errno(EEXIST, "nic-add: there is a device %s already",
				       a->device_id);
	}
	id = a->device_id ? a->device_id : default_id;
	if (a->mac_given)
		memcpy(mac, a->mac, sizeof(mac));
	else
		r = default_mac(h, list, n, mac);
	json_object_put(list);
	if (r < 0)
		return r;
	if (asprintf(&netdev, "%s-net", id) < 0)
		return log_oom();

	args = json_object_new_object();
	json_object_object_add(args, "type", json_object_new_string("user"));
	json_object_object_add(args, "id", json_object_new_string(netdev));
	/* A subnet of its own, as boot gives NIC n (10.0.(2 + n).0/24). */
	if (n > 0) {
		char net[32];

		snprintf(net, sizeof(net), "10.0.%u.0/24", 2 + n);
		json_object_object_add(args, "net", json_object_new_string(net));
	}
	r = hvhost_call(h, "netdev_add", args, 0, NULL);
	if (r < 0)
		return r;

	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string(driver));
	json_object_object_add(args, "netdev", json_object_new_string(netdev));
	json_object_object_add(args, "mac", json_object_new_string(mac));
	if (streq(a->nic_model, "virtio"))
		json_object_object_add(args, "romfile", json_object_new_string(""));
	json_object_object_add(args, "id", json_object_new_string(id));
	r = hvhost_device_add_on(h, args, "netdev_del", "id", netdev);
	if (r < 0)
		return r;

	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "id", json_object_new_string(id));
		json_object_object_add(doc, "driver", json_object_new_string(driver));
		json_object_object_add(doc, "mac", json_object_new_string(mac));
		json_object_object_add(doc, "netdev", json_object_new_string(netdev));
		json_object_object_add(doc, "added", json_object_new_boolean(true));
		return hvhost_json_print(doc);
	}
	printf("added %s (%s, MAC %s, netdev %s)\n", id, driver, mac, netdev);
	return 0;
}

int hvhost_cmd_nic_del(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	const char *id = a->device_id;
	_cleanup_free_ char *netdev = NULL;
	json_object *v = NULL;
	int r;

	/* The netdev it is on, asked before it goes (boot's are n<i>, nic-add's ID-net). */
	r = hvhost_qom_get(h, id, "netdev", &v);
	if (r < 0) {
		log_error("nic-del: %s is not a NIC QEMU has", id);
		return r;
	}
	if (!json_object_is_type(v, json_type_string)) {
		json_object_put(v);
		return log_error_errno(EBADMSG, "nic-del: %s has no netdev property", id);
	}
	netdev = strdup(json_object_get_string(v));
	json_object_put(v);
	if (!netdev)
		return log_oom();

	r = hvhost_unplug(h, id, a->wait_usec);
	if (r < 0) {
		if (r == -ETIMEDOUT && *netdev)
			log_error("nic-del: netdev %s is kept while %s exists", netdev, id);
		return r;
	}
	if (*netdev) {
		r = hvhost_call_name(h, "netdev_del", "id", netdev);
		if (r < 0) {
			log_error("nic-del: %s is gone, but its netdev %s is left", id, netdev);
			return r;
		}
	}

	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "id", json_object_new_string(id));
		json_object_object_add(doc, "netdev",
				       *netdev ? json_object_new_string(netdev) : NULL);
		json_object_object_add(doc, "deleted", json_object_new_boolean(true));
		return hvhost_json_print(doc);
	}
	if (*netdev)
		printf("deleted %s and its netdev %s\n", id, netdev);
	else
		printf("deleted %s\n", id);
	return 0;
}

int hvhost_cmd_link(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *args = json_object_new_object();
	int r;

	json_object_object_add(args, "name", json_object_new_string(a->device_id));
	json_object_object_add(args, "up", json_object_new_boolean(a->link_up));
	r = hvhost_call(h, "set_link", args, 0, NULL);
	if (r < 0)
		return r;
	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "id", json_object_new_string(a->device_id));
		json_object_object_add(doc, "up", json_object_new_boolean(a->link_up));
		return hvhost_json_print(doc);
	}
	printf("%s: link %s\n", a->device_id, a->link_up ? "up" : "down");
	return 0;
}
