/*
 * hvhost: KVP (key-value pair exchange) integration component, host side
 *
 * The host's requests are struct hv_kvp_msg with UTF-16LE keys and values
 * (sizes in bytes, NUL included); the guest kernel converts them to UTF-8
 * for hv_kvp_daemon and converts the answers back, always as REG_SZ.
 * GET_IP_INFO / SET_IP_INFO use a different frame on the host side: a
 * 2-byte header {operation, pool} followed by struct hv_kvp_ipaddr_value
 * with UTF-16LE strings (Linux's struct hv_kvp_ip_msg).
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "hw/qdev-properties.h"
#include "sysemu/sysemu.h"
#include "qapi/qapi-commands-hvhost.h"
#include "hyperv/kvp.h"
#include "hyperv/vmbus.h"
#include "hv-ic.h"
#include "hv-ic-log.h"
#include "trace.h"

#define TYPE_HV_KVP "hv-kvp"
OBJECT_DECLARE_SIMPLE_TYPE(HvKvp, HV_KVP)

struct HvKvp {
    HvIC parent_obj;
    char *auto_external;        /* "Key=Value;Key=Value", NULL: defaults */
};

/* The host-side frame of GET_IP_INFO / SET_IP_INFO (struct hv_kvp_ip_msg). */
typedef struct QEMU_PACKED HvKvpIpMsg {
    uint8_t operation;
    uint8_t pool;
    struct hv_kvp_ipaddr_value ip;
} HvKvpIpMsg;
QEMU_BUILD_BUG_ON(sizeof(HvKvpIpMsg) != 7428);

/* GET, SET, DELETE and ENUMERATE requests: header + the largest of them. */
#define HV_KVP_REQ_SIZE \
    (offsetof(struct hv_kvp_msg, body) + sizeof(struct hv_kvp_msg_enumerate))

#define HV_KVP_KEY_UNITS    (HV_KVP_MAX_KEY_SIZE / 2)
#define HV_KVP_VALUE_UNITS  (HV_KVP_MAX_VALUE_SIZE / 2)
#define HV_KVP_MAX_ENUM     4096

static const struct ic_version hv_kvp_versions[] = {
    { 4, 0 }, { 3, 0 },
};

/* ---- helpers ------------------------------------------------------------ */

static HvKvp *hv_kvp_find(const char *id, Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_KVP, id, errp);

    return ic ? HV_KVP(ic) : NULL;
}

static bool hv_kvp_check_pool(uint8_t pool, Error **errp)
{
    if (pool >= HV_KVP_POOL_COUNT) {
        error_setg(errp, "pool must be 0-4, not %u", pool);
        return false;
    }
    return true;
}

static HvKvpValueType hv_kvp_type_to_qapi(uint32_t type, bool *ok)
{
    *ok = true;
    switch (type) {
    case HV_REG_SZ:
        return HV_KVP_VALUE_TYPE_STRING;
    case HV_REG_U32:
        return HV_KVP_VALUE_TYPE_U32;
    case HV_REG_U64:
        return HV_KVP_VALUE_TYPE_U64;
    }
    *ok = false;
    return HV_KVP_VALUE_TYPE_STRING;
}

/* Parse an exchange value the guest filled in; NULL and errp on garbage. */
static HvKvpItem *hv_kvp_parse_value(HvIC *ic,
                                     const struct hv_kvp_exchg_value *v,
                                     bool want_key, const char *key,
                                     Error **errp)
{
    uint32_t type = le32_to_cpu(v->value_type);
    uint32_t key_size = le32_to_cpu(v->key_size);
    uint32_t value_size = le32_to_cpu(v->value_size);
    g_autoptr(HvKvpItem) item = g_new0(HvKvpItem, 1);
    bool ok;

    item->type = hv_kvp_type_to_qapi(type, &ok);
    if (!ok || key_size > HV_KVP_MAX_KEY_SIZE ||
        value_size > HV_KVP_MAX_VALUE_SIZE) {
        hv_ic_log(ic, "bad item: type %u key_size %u value_size %u",
                  type, key_size, value_size);
        error_setg(errp, "guest sent a malformed item (type %u, key size %u,"
                   " value size %u)", type, key_size, value_size);
        return NULL;
    }
    if (want_key) {
        item->key = hv_ic_utf16le_to_utf8(v->key, key_size / 2);
    } else {
        item->key = g_strdup(key);
    }
    switch (type) {
    case HV_REG_U32:
        item->value = g_strdup_printf("%" PRIu32, le32_to_cpu(v->value_u32));
        break;
    case HV_REG_U64:
        item->value = g_strdup_printf("%" PRIu64, le64_to_cpu(v->value_u64));
        break;
    default:
        item->value = hv_ic_utf16le_to_utf8(v->value, value_size / 2);
        break;
    }
    if (!item->key || !item->value) {
        hv_ic_log(ic, "item with invalid UTF-16 text");
        error_setg(errp, "guest sent an item with invalid UTF-16 text");
        return NULL;
    }
    return g_steal_pointer(&item);
}

/* Send one request of HV_KVP_REQ_SIZE bytes and return the guest's answer;
 * @reply receives a full-size copy (short answers are zero padded). */
static int coroutine_fn hv_kvp_transact(HvKvp *kvp, struct hv_kvp_msg *req,
                                        size_t req_len, struct hv_kvp_msg *reply,
                                        uint32_t *ret_status, Error **errp)
{
    g_autofree uint8_t *body = NULL;
    uint32_t len;

    if (hv_ic_transact_co(HV_IC(kvp), req, req_len, HV_IC_TIMEOUT_MS,
                          ret_status, &body, &len, errp) < 0) {
        return -1;
    }
    if (reply) {
        memset(reply, 0, sizeof(*reply));
        memcpy(reply, body, MIN(len, sizeof(*reply)));
        if (*ret_status == HV_S_OK && len < req_len) {
            hv_ic_log(HV_IC(kvp), "short answer: %u of %zu bytes", len,
                      req_len);
            error_setg(errp, "guest answered %u bytes, expected %zu", len,
                       req_len);
            return -1;
        }
    }
    return 0;
}

static bool hv_kvp_put_key(struct hv_kvp_exchg_value *v, const char *key,
                           Error **errp)
{
    int n = hv_ic_utf8_to_utf16le(key, v->key, HV_KVP_KEY_UNITS);

    if (n < 0) {
        error_setg(errp, "key too long (at most %u UTF-16 units) or not UTF-8",
                   HV_KVP_KEY_UNITS - 1);
        return false;
    }
    v->key_size = cpu_to_le32(n);
    return true;
}

/* ---- QMP: GET, SET, DELETE, ENUMERATE ---------------------------------- */

HvKvpItemList *coroutine_fn qmp_hv_kvp_enumerate(uint8_t pool, bool has_id,
                                                 const char *id, Error **errp)
{
    HvKvp *kvp = hv_kvp_find(has_id ? id : NULL, errp);
    g_autofree struct hv_kvp_msg *req = g_new0(struct hv_kvp_msg, 1);
    g_autofree struct hv_kvp_msg *reply = g_new0(struct hv_kvp_msg, 1);
    HvKvpItemList *list = NULL, **tail = &list;
    uint32_t index, status;

    if (!kvp || !hv_kvp_check_pool(pool, errp)) {
        return NULL;
    }
    object_ref(OBJECT(kvp));
    for (index = 0; index < HV_KVP_MAX_ENUM; index++) {
        HvKvpItem *item;

        memset(req, 0, sizeof(*req));
        req->hdr.operation = HV_KVP_OP_ENUMERATE;
        req->hdr.pool = pool;
        req->body.enumerate.index = cpu_to_le32(index);
        if (hv_kvp_transact(kvp, req, HV_KVP_REQ_SIZE, reply, &status,
                            errp) < 0) {
            goto fail;
        }
        if (status == HV_S_CONT) {
            break;
        }
        if (status != HV_S_OK) {
            g_autofree char *what = g_strdup_printf("enumerate pool %u index %u",
                                                    pool, index);
            hv_ic_error_status(errp, what, status);
            goto fail;
        }
        item = hv_kvp_parse_value(HV_IC(kvp), &reply->body.enumerate.data,
                                  true, NULL, errp);
        if (!item) {
            goto fail;
        }
        QAPI_LIST_APPEND(tail, item);
    }
    object_unref(OBJECT(kvp));
    return list;
fail:
    object_unref(OBJECT(kvp));
    qapi_free_HvKvpItemList(list);
    return NULL;
}

HvKvpItem *coroutine_fn qmp_hv_kvp_get(uint8_t pool, const char *key,
                                       bool has_id, const char *id,
                                       Error **errp)
{
    HvKvp *kvp = hv_kvp_find(has_id ? id : NULL, errp);
    g_autofree struct hv_kvp_msg *req = g_new0(struct hv_kvp_msg, 1);
    g_autofree struct hv_kvp_msg *reply = g_new0(struct hv_kvp_msg, 1);
    HvKvpItem *item = NULL;
    uint32_t status;

    if (!kvp || !hv_kvp_check_pool(pool, errp)) {
        return NULL;
    }
    req->hdr.operation = HV_KVP_OP_GET;
    req->hdr.pool = pool;
    req->body.get.value_type = cpu_to_le32(HV_REG_SZ);
    if (!hv_kvp_put_key(&req->body.get, key, errp)) {
        return NULL;
    }
    object_ref(OBJECT(kvp));
    if (hv_kvp_transact(kvp, req, HV_KVP_REQ_SIZE, reply, &status,
                        errp) < 0) {
        goto out;
    }
    if (status == HV_S_CONT) {
        error_setg(errp, "no key '%s' in pool %u (guest answered HV_S_CONT)",
                   key, pool);
        goto out;
    }
    if (status != HV_S_OK) {
        hv_ic_error_status(errp, "get", status);
        goto out;
    }
    /* The guest fills the value into the GET layout (body.get). */
    item = hv_kvp_parse_value(HV_IC(kvp), &reply->body.get, false, key, errp);
out:
    object_unref(OBJECT(kvp));
    return item;
}

void coroutine_fn qmp_hv_kvp_set(uint8_t pool, const char *key,
                                 const char *value, bool has_type,
                                 HvKvpValueType type, bool has_id,
                                 const char *id, Error **errp)
{
    HvKvp *kvp = hv_kvp_find(has_id ? id : NULL, errp);
    g_autofree struct hv_kvp_msg *req = g_new0(struct hv_kvp_msg, 1);
    struct hv_kvp_exchg_value *v = &req->body.set;
    uint64_t num = 0;
    uint32_t status;
    int n;

    if (!kvp || !hv_kvp_check_pool(pool, errp)) {
        return;
    }
    if (!has_type) {
        type = HV_KVP_VALUE_TYPE_STRING;
    }
    req->hdr.operation = HV_KVP_OP_SET;
    req->hdr.pool = pool;
    if (!hv_kvp_put_key(v, key, errp)) {
        return;
    }
    if (type != HV_KVP_VALUE_TYPE_STRING &&
        (qemu_strtou64(value, NULL, 0, &num) < 0 ||
         (type == HV_KVP_VALUE_TYPE_U32 && num > UINT32_MAX))) {
        error_setg(errp, "'%s' is no %s number", value,
                   HvKvpValueType_str(type));
        return;
    }
    switch (type) {
    case HV_KVP_VALUE_TYPE_U32:
        v->value_type = cpu_to_le32(HV_REG_U32);
        v->value_u32 = cpu_to_le32(num);
        v->value_size = cpu_to_le32(4);
        break;
    case HV_KVP_VALUE_TYPE_U64:
        v->value_type = cpu_to_le32(HV_REG_U64);
        v->value_u64 = cpu_to_le64(num);
        v->value_size = cpu_to_le32(8);
        break;
    default:
        n = hv_ic_utf8_to_utf16le(value, v->value, HV_KVP_VALUE_UNITS);
        if (n < 0) {
            error_setg(errp, "value too long (at most %u UTF-16 units) or not"
                       " UTF-8", HV_KVP_VALUE_UNITS - 1);
            return;
        }
        v->value_type = cpu_to_le32(HV_REG_SZ);
        v->value_size = cpu_to_le32(n);
        break;
    }
    object_ref(OBJECT(kvp));
    if (hv_kvp_transact(kvp, req, HV_KVP_REQ_SIZE, NULL, &status,
                        errp) == 0 && status != HV_S_OK) {
        hv_ic_error_status(errp, "set", status);
    }
    object_unref(OBJECT(kvp));
}

void coroutine_fn qmp_hv_kvp_delete(uint8_t pool, const char *key,
                                    bool has_id, const char *id, Error **errp)
{
    HvKvp *kvp = hv_kvp_find(has_id ? id : NULL, errp);
    g_autofree struct hv_kvp_msg *req = g_new0(struct hv_kvp_msg, 1);
    uint32_t status;
    int n;

    if (!kvp || !hv_kvp_check_pool(pool, errp)) {
        return;
    }
    req->hdr.operation = HV_KVP_OP_DELETE;
    req->hdr.pool = pool;
    n = hv_ic_utf8_to_utf16le(key, req->body.del.key, HV_KVP_KEY_UNITS);
    if (n < 0) {
        error_setg(errp, "key too long or not UTF-8");
        return;
    }
    req->body.del.key_size = cpu_to_le32(n);
    object_ref(OBJECT(kvp));
    if (hv_kvp_transact(kvp, req, HV_KVP_REQ_SIZE, NULL, &status,
                        errp) == 0 && status != HV_S_OK) {
        if (status == HV_S_CONT) {
            error_setg(errp, "no key '%s' in pool %u (guest answered"
                       " HV_S_CONT)", key, pool);
        } else {
            hv_ic_error_status(errp, "delete", status);
        }
    }
    object_unref(OBJECT(kvp));
}

/* ---- QMP: IP information ----------------------------------------------- */

/* "aa:bb:cc:dd:ee:ff" (or with '-') to "AA:BB:CC:DD:EE:FF". */
static char *hv_kvp_normalize_mac(const char *mac, Error **errp)
{
    GString *out = g_string_new(NULL);
    int i;

    for (i = 0; i < 6; i++) {
        const char *p = mac + 3 * i;

        if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1]) ||
            (i < 5 && p[2] != ':' && p[2] != '-') || (i == 5 && p[2])) {
            error_setg(errp, "'%s' is no MAC address (aa:bb:cc:dd:ee:ff)",
                       mac);
            g_string_free(out, true);
            return NULL;
        }
        g_string_append_printf(out, "%s%c%c", i ? ":" : "",
                               g_ascii_toupper(p[0]), g_ascii_toupper(p[1]));
    }
    return g_string_free(out, false);
}

static strList *hv_kvp_split(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, ";", -1);
    strList *list = NULL, **tail = &list;
    char **p;

    for (p = parts; *p; p++) {
        g_strstrip(*p);
        if (**p) {
            QAPI_LIST_APPEND(tail, g_strdup(*p));
        }
    }
    return list;
}

static char *hv_kvp_join(strList *list)
{
    GString *s = g_string_new(NULL);

    for (; list; list = list->next) {
        g_string_append_printf(s, "%s%s", s->len ? ";" : "", list->value);
    }
    return g_string_free(s, false);
}

static bool hv_kvp_put_list(uint8_t *field, size_t units, strList *list,
                            const char *what, Error **errp)
{
    g_autofree char *s = hv_kvp_join(list);

    if (hv_ic_utf8_to_utf16le(s, field, units) < 0) {
        error_setg(errp, "%s: too long for the message (%zu UTF-16 units)",
                   what, units - 1);
        return false;
    }
    return true;
}

HvKvpIpInfo *coroutine_fn qmp_hv_kvp_get_ip_info(const char *mac, bool has_id,
                                                 const char *id, Error **errp)
{
    HvKvp *kvp = hv_kvp_find(has_id ? id : NULL, errp);
    g_autofree HvKvpIpMsg *req = g_new0(HvKvpIpMsg, 1);
    g_autofree uint8_t *body = NULL;
    g_autofree char *norm = NULL;
    g_autofree char *adapter = NULL, *addr = NULL, *sub = NULL, *gw = NULL;
    g_autofree char *dns = NULL;
    HvKvpIpInfo *info = NULL;
    const HvKvpIpMsg *reply;
    uint32_t status, len;

    if (!kvp) {
        return NULL;
    }
    norm = hv_kvp_normalize_mac(mac, errp);
    if (!norm) {
        return NULL;
    }
    req->operation = HV_KVP_OP_GET_IP_INFO;
    req->pool = 0;
    req->ip.addr_family = HV_ADDR_FAMILY_NONE;     /* both families */
    hv_ic_utf8_to_utf16le(norm, (uint8_t *)req->ip.adapter_id,
                          HV_KVP_MAX_ADAPTER_ID);
    object_ref(OBJECT(kvp));
    if (hv_ic_transact_co(HV_IC(kvp), req, sizeof(*req), HV_IC_TIMEOUT_MS,
                          &status, &body, &len, errp) < 0) {
        goto out;
    }
    if (status != HV_S_OK) {
        hv_ic_error_status(errp, "get-ip-info", status);
        goto out;
    }
    if (len < sizeof(*reply)) {
        hv_ic_log(HV_IC(kvp), "short GET_IP_INFO answer: %u bytes", len);
        error_setg(errp, "guest answered %u bytes, expected %zu", len,
                   sizeof(*reply));
        goto out;
    }
    reply = (const HvKvpIpMsg *)body;
    adapter = hv_ic_utf16le_to_utf8((const uint8_t *)reply->ip.adapter_id,
                                    HV_KVP_MAX_ADAPTER_ID);
    addr = hv_ic_utf16le_to_utf8((const uint8_t *)reply->ip.ip_addr,
                                 HV_KVP_MAX_IP_ADDR);
    sub = hv_ic_utf16le_to_utf8((const uint8_t *)reply->ip.sub_net,
                                HV_KVP_MAX_IP_ADDR);
    gw = hv_ic_utf16le_to_utf8((const uint8_t *)reply->ip.gate_way,
                               HV_KVP_MAX_GATEWAY);
    dns = hv_ic_utf16le_to_utf8((const uint8_t *)reply->ip.dns_addr,
                                HV_KVP_MAX_IP_ADDR);
    if (!adapter || !addr || !sub || !gw || !dns) {
        hv_ic_log(HV_IC(kvp), "GET_IP_INFO answer with invalid UTF-16");
        error_setg(errp, "guest answered invalid UTF-16 text");
        goto out;
    }
    info = g_new0(HvKvpIpInfo, 1);
    info->adapter_id = g_steal_pointer(&adapter);
    info->mac = g_strdup(norm);
    info->dhcp = reply->ip.dhcp_enabled != 0;
    info->addresses = hv_kvp_split(addr);
    info->subnets = hv_kvp_split(sub);
    info->gateways = hv_kvp_split(gw);
    info->dns = hv_kvp_split(dns);
out:
    object_unref(OBJECT(kvp));
    return info;
}

HvIcStatus *coroutine_fn qmp_hv_kvp_set_ip_info(const char *adapter_id,
                                                const char *mac, bool dhcp,
                                                strList *addresses,
                                                strList *subnets,
                                                strList *gateways,
                                                strList *dns, bool has_id,
                                                const char *id, Error **errp)
{
    HvKvp *kvp = hv_kvp_find(has_id ? id : NULL, errp);
    g_autofree HvKvpIpMsg *req = g_new0(HvKvpIpMsg, 1);
    g_autofree char *norm = NULL;
    HvIcStatus *ret = NULL;
    uint32_t status;
    strList *l;

    if (!kvp) {
        return NULL;
    }
    if (*mac) {
        norm = hv_kvp_normalize_mac(mac, errp);
        if (!norm) {
            return NULL;
        }
    } else {
        norm = g_strdup(adapter_id);
    }
    req->operation = HV_KVP_OP_SET_IP_INFO;
    req->pool = 0;
    req->ip.dhcp_enabled = dhcp;
    for (l = addresses; l; l = l->next) {
        req->ip.addr_family |= strchr(l->value, ':') ? HV_ADDR_FAMILY_IPV6
                                                      : HV_ADDR_FAMILY_IPV4;
    }
    if (hv_ic_utf8_to_utf16le(norm, (uint8_t *)req->ip.adapter_id,
                              HV_KVP_MAX_ADAPTER_ID) < 0) {
        error_setg(errp, "adapter id too long");
        return NULL;
    }
    if (!hv_kvp_put_list((uint8_t *)req->ip.ip_addr, HV_KVP_MAX_IP_ADDR, addresses,
                         "addresses", errp) ||
        !hv_kvp_put_list((uint8_t *)req->ip.sub_net, HV_KVP_MAX_IP_ADDR, subnets,
                         "subnets", errp) ||
        !hv_kvp_put_list((uint8_t *)req->ip.gate_way, HV_KVP_MAX_GATEWAY, gateways,
                         "gateways", errp) ||
        !hv_kvp_put_list((uint8_t *)req->ip.dns_addr, HV_KVP_MAX_IP_ADDR, dns,
                         "dns", errp)) {
        return NULL;
    }
    object_ref(OBJECT(kvp));
    if (hv_ic_transact_co(HV_IC(kvp), req, sizeof(*req), HV_IC_TIMEOUT_MS,
                          &status, NULL, NULL, errp) == 0) {
        ret = g_new0(HvIcStatus, 1);
        ret->status = status;
        ret->status_name = g_strdup(hv_ic_status_name(status));
    }
    object_unref(OBJECT(kvp));
    return ret;
}

/* ---- pool 3: host-provided items pushed after negotiation ------------- */

static void hv_kvp_auto_done(HvIC *ic, void *opaque, int err, uint32_t status,
                             const uint8_t *body, uint32_t len)
{
    g_autofree char *key = opaque;

    trace_hv_kvp_auto_set(key, err, status);
    if (!err && status != HV_S_OK) {
        hv_ic_log(ic, "auto-external item %s refused: status 0x%08" PRIx32,
                  key, status);
    }
}

static void hv_kvp_push(HvKvp *kvp, const char *key, const char *value)
{
    g_autofree struct hv_kvp_msg *req = g_new0(struct hv_kvp_msg, 1);
    int kn, vn;

    req->hdr.operation = HV_KVP_OP_SET;
    req->hdr.pool = HV_KVP_POOL_AUTO_EXTERNAL;
    req->body.set.value_type = cpu_to_le32(HV_REG_SZ);
    kn = hv_ic_utf8_to_utf16le(key, req->body.set.key, HV_KVP_KEY_UNITS);
    vn = hv_ic_utf8_to_utf16le(value, req->body.set.value, HV_KVP_VALUE_UNITS);
    if (kn < 0 || vn < 0) {
        warn_report("hv-kvp: auto-external item '%s' does not fit", key);
        return;
    }
    req->body.set.key_size = cpu_to_le32(kn);
    req->body.set.value_size = cpu_to_le32(vn);
    hv_ic_request(HV_IC(kvp), req, HV_KVP_REQ_SIZE, HV_IC_TIMEOUT_MS,
                  hv_kvp_auto_done, g_strdup(key));
}

static void hv_kvp_ready(HvIC *ic)
{
    HvKvp *kvp = HV_KVP(ic);
    g_auto(GStrv) items = NULL;
    char **p;

    if (!kvp->auto_external) {
        g_autofree char *host = g_strdup(g_get_host_name());
        g_autofree char *uuid = qemu_uuid_unparse_strdup(&qemu_uuid);
        char *dot = strchr(host, '.');

        hv_kvp_push(kvp, "HostName", host);
        hv_kvp_push(kvp, "PhysicalHostNameFullyQualified", host);
        if (dot) {
            *dot = '\0';
        }
        hv_kvp_push(kvp, "PhysicalHostName", host);
        hv_kvp_push(kvp, "VirtualMachineName", qemu_name ?: "hvhost");
        if (qemu_uuid_set) {
            hv_kvp_push(kvp, "VirtualMachineId", uuid);
        }
        return;
    }
    items = g_strsplit(kvp->auto_external, ";", -1);
    for (p = items; *p; p++) {
        char *eq = strchr(*p, '=');

        if (!**p) {
            continue;
        }
        if (!eq) {
            warn_report("hv-kvp: auto-external item '%s' has no '='", *p);
            continue;
        }
        *eq = '\0';
        hv_kvp_push(kvp, *p, eq + 1);
    }
}

/* ---- QOM ------------------------------------------------------------------ */

static Property hv_kvp_props[] = {
    DEFINE_PROP_STRING("auto-external", HvKvp, auto_external),
    DEFINE_PROP_END_OF_LIST()
};

static void hv_kvp_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->desc = "Hyper-V key-value pair exchange (KVP)";
    device_class_set_props(dc, hv_kvp_props);
    qemu_uuid_parse(VMBUS_CLASS_KVP_STR, &vdc->classid);
    icc->service = "kvp";
    icc->msgtype = IC_MSGTYPE_KVP;
    icc->versions = hv_kvp_versions;
    icc->n_versions = ARRAY_SIZE(hv_kvp_versions);
    icc->default_instance = "242ff919-07db-4180-9c2e-b86cb68c8c55";
    icc->ready = hv_kvp_ready;
}

static const TypeInfo hv_kvp_type_info = {
    .name = TYPE_HV_KVP,
    .parent = TYPE_HV_IC,
    .instance_size = sizeof(HvKvp),
    .class_init = hv_kvp_class_init,
};

static void hv_kvp_register_types(void)
{
    type_register_static(&hv_kvp_type_info);
}

type_init(hv_kvp_register_types)
