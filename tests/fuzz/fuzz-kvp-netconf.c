// SPDX-License-Identifier: MIT
/*
 * SET_IP_INFO from arbitrary bytes: the input is a struct
 * hv_kvp_ipaddr_value (short inputs zero-padded, as the driver zero-fills
 * the message); whatever parses is rendered by every writer, in memory.
 * Invariants: parse never reads past its fields; accepted configs render;
 * rendered text holds no byte a config file or shell would interpret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvp-netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *text)
{
	for (const char *p = text; *p; p++)
		if (strchr("\"'`$\\|&<>(){}*?!\r", *p) || (unsigned char)*p >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int (*const renderers[])(const struct kvp_netconf *, char **) = {
		kvp_netconf_render_nm,
		kvp_netconf_render_networkd,
		kvp_netconf_render_ifupdown,
		kvp_netconf_render_ifcfg,
	};
	struct hv_kvp_ipaddr_value *ip;
	struct kvp_netconf *nc;
	char ifname[IFNAMSIZ + 1] = "";

	/* The interface name validator gets the first bytes too. */
	memcpy(ifname, data, size < IFNAMSIZ ? size : IFNAMSIZ);
	(void)kvp_netconf_ifname_valid(ifname);

	ip = calloc(1, sizeof(*ip));
	nc = calloc(1, sizeof(*nc));
	if (!ip || !nc)
		abort();
	memcpy(ip, data, size < sizeof(*ip) ? size : sizeof(*ip));
	if (kvp_netconf_parse(ip, nc) == 0) {
		strcpy(nc->ifname, "eth0");
		strcpy(nc->mac, "00:15:5d:00:00:01");
		strcpy(nc->uuid, "00000000-0000-4000-8000-000000000000");
		nc->ifindex = 2;
		for (size_t i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
			char *text = NULL;

			if (renderers[i](nc, &text) < 0)
				abort();
			check_text(text);
			free(text);
		}
		(void)kvp_netconf_method(nc, 2);
	}
	free(nc);
	free(ip);
	return 0;
}
