#!/usr/bin/env bash
# kvp-pools: data both ways through the pool files.
#  - Host to guest: the host sets keys in pool 0 (external, a string and a
#    u32) and pool 3 (auto_external); the guest's hv-kvp reads them, and the
#    host's own GET reads them back. hv-kvp also sees the pool 3 items the
#    device pushed after negotiation (HostName ...).
#  - Guest to host: the guest writes pool 1 the way cloud-init does (a raw
#    2560-byte record appended under flock) and with `hv-kvp set guest`; the
#    host's enumeration of pool 1 lists both.
#  - DELETE from the host removes the key in the guest.
. "$(dirname "$0")/../lib.sh"
scenario_begin

tag=$$-$(date +%s)
host kvp set external HvTestString "hello-$tag" >/dev/null || fail "kvp set external failed"
host kvp set external HvTestNumber 4242 --type u32 >/dev/null || fail "kvp set external --type u32 failed"
host kvp set auto_external HvTestHostData "host-$tag" >/dev/null || fail "kvp set auto_external failed"

gget() { gexec "hv-kvp get $1 $2"; }
v=$(gget external HvTestString) || fail "hv-kvp get external HvTestString failed"
[ "$v" = "hello-$tag" ] || fail "the guest reads '$v' for HvTestString, expected hello-$tag"
v=$(gget 0 HvTestNumber) || fail "hv-kvp get 0 HvTestNumber failed"
[ "$v" = 4242 ] || fail "the guest reads '$v' for HvTestNumber, expected 4242"
v=$(gget auto_external HvTestHostData) || fail "hv-kvp get auto_external HvTestHostData failed"
[ "$v" = "host-$tag" ] || fail "the guest reads '$v' for HvTestHostData"
pushed=$(gexec 'hv-kvp list auto_external') || fail "hv-kvp list auto_external failed"
printf '%s\n' "$pushed" | sed 's/^/#   pool 3: /'
printf '%s\n' "$pushed" | grep -q '^HostName	.' ||
    fail "pool 3 has no HostName item pushed by the host"
v=$(host_json kvp get external HvTestString | json 'find(d, "value")') ||
    fail "the host cannot GET HvTestString back"
[ "$v" = "hello-$tag" ] || fail "the host GETs '$v' for HvTestString"

# Guest to host, cloud-init style: one record, key[512] value[2048], NUL
# padded, appended under flock.
ckey="CLOUD_INIT|$(date +%s)|init-local|hvtest|$tag"
cval='{"name":"hvtest","result":"SUCCESS","ts":1}'
gexec "cd /var/lib/hyperv && touch .kvp_pool_1 && flock .kvp_pool_1 sh -c '
    { printf %s \"\$1\"; head -c \$((512 - \${#1})) /dev/zero;
      printf %s \"\$2\"; head -c \$((2048 - \${#2})) /dev/zero; } >>.kvp_pool_1' _ '$ckey' '$cval'" ||
    fail "cannot append a cloud-init style record to pool 1"
gexec "hv-kvp set guest HvTestAppVersion 2.4.1-$tag" >/dev/null || fail "hv-kvp set guest failed"
size=$(gexec 'wc -c </var/lib/hyperv/.kvp_pool_1')
[ $((size % 2560)) -eq 0 ] || fail "pool 1 is $size bytes, not whole records"

out=$(host_json kvp list guest) || fail "hvhost kvp list guest failed"
v=$(printf '%s' "$out" | json "items(d).get('$ckey')") || fail "the host does not list the cloud-init key"
[ "$v" = "$cval" ] || fail "the host reads '$v' for the cloud-init key"
v=$(printf '%s' "$out" | json "items(d).get('HvTestAppVersion')") || fail "the host does not list HvTestAppVersion"
[ "$v" = "2.4.1-$tag" ] || fail "the host reads '$v' for HvTestAppVersion"

# DELETE from the host.
host kvp delete external HvTestString >/dev/null || fail "kvp delete external failed"
if gget external HvTestString >/dev/null 2>&1; then
    fail "HvTestString is still in the guest's pool 0 after DELETE"
fi
if host kvp get external HvTestString >/dev/null 2>&1; then
    fail "the host still GETs HvTestString after DELETE"
fi
check_console_or_fail
pass
