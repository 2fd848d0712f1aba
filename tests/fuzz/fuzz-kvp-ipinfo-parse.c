// SPDX-License-Identifier: MIT
/*
 * Every text parser kvp-ipinfo applies to files other programs write:
 * resolv.conf, networkd state (KEY=value), INI (NetworkManager keyfiles,
 * networkd .network), ifupdown interfaces(5) and dhclient leases.
 * The whole input goes to each parser; the answers must be well-formed.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvp-ipinfo-state.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_address(const char *s)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, s, bin) != 1 && inet_pton(AF_INET6, s, bin) != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char **l = NULL, **dirs = NULL, *v = NULL;
	char buf[64];
	struct kvp_ipinfo_list list;

	if (kvp_ipinfo_parse_resolv_conf(text, size, &l) == 0) {
		kvp_ipinfo_list_init(&list, buf, sizeof(buf));
		STRV_FOREACH(s, l) {
			check_address(*s);
			(void)kvp_ipinfo_list_append(&list, *s);
		}
		if (strlen(buf) >= sizeof(buf) || (list.len && buf[list.len - 1] == ';'))
			abort();
		strv_free(l);
		l = NULL;
	}
	if (kvp_ipinfo_parse_env(text, size, "NETWORK_FILE", &v) == 0)
		free(v);
	if (kvp_ipinfo_parse_ini(text, size, "Network", "DHCP", &v) == 0) {
		(void)kvp_ipinfo_networkd_dhcp4(v);
		free(v);
	}
	if (kvp_ipinfo_parse_ini(text, size, "device", "connection-uuid", &v) == 0)
		free(v);
	if (kvp_ipinfo_parse_ifupdown(text, size, "eth0", &v, &l, &dirs) == 0)
		free(v);
	strv_free(l);
	strv_free(dirs);
	(void)kvp_ipinfo_parse_dhclient_leases(text, size, "eth0", (time_t)1700000000);
	return 0;
}
