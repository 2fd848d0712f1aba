#!/usr/bin/env bash
# devices: every integration component the host offers is a VMBus device of
# the right class, bound to the right driver, with its device node:
# /dev/vmbus/hv_kvp and hv_vss; /dev/vmbus/hv_fcopy where the set's hv_utils
# serves file copy (stock up to 6.9, ours always), else the file copy
# channel bound to uio_hv_generic with a uio node. The daemons
# hold their devices open, and the host sees every IC negotiated.
. "$(dirname "$0")/../lib.sh"
scenario_begin

# class driver-name lines for every VMBus device
devs=$(gexec 'for d in /sys/bus/vmbus/devices/*; do
    c=$(cat $d/class_id 2>/dev/null | tr -d "{}" | tr A-F a-f)
    drv=$(basename "$(readlink $d/driver 2>/dev/null)" 2>/dev/null)
    echo "$c ${drv:--} ${d##*/}"
done') || fail "cannot list /sys/bus/vmbus/devices"
printf '%s\n' "$devs" | sed 's/^/# /'
want_driver() { # class driver label
    local line
    line=$(printf '%s\n' "$devs" | awk -v c="$1" '$1 == c' | head -n1)
    [ -n "$line" ] || fail "no VMBus device of class $1 ($3)"
    set -- $line "$2" "$3"
    [ "$2" = "$4" ] || fail "$5 device ($1) is bound to '$2', expected $4"
}
want_driver "$HV_CLASS_HEARTBEAT" hv_utils heartbeat
want_driver "$HV_CLASS_SHUTDOWN" hv_utils shutdown
want_driver "$HV_CLASS_TIMESYNC" hv_utils timesync
want_driver "$HV_CLASS_KVP" hv_utils KVP
want_driver "$HV_CLASS_VSS" hv_utils VSS

gexec '[ -c /dev/vmbus/hv_kvp ] && [ -c /dev/vmbus/hv_vss ]' ||
    fail "/dev/vmbus/hv_kvp or /dev/vmbus/hv_vss is missing"
case $(fcopy_driver) in
hv_utils)
    want_driver "$HV_CLASS_FCOPY" hv_utils "file copy"
    gexec '[ -c /dev/vmbus/hv_fcopy ]' || fail "/dev/vmbus/hv_fcopy is missing on $HV_FLAVOUR:$HV_MODSET"
    fcopy_node=/dev/vmbus/hv_fcopy
    ;;
*)
    want_driver "$HV_CLASS_FCOPY" uio_hv_generic "file copy"
    gexec '[ ! -e /dev/vmbus/hv_fcopy ]' || fail "/dev/vmbus/hv_fcopy exists on $HV_FLAVOUR:$HV_MODSET"
    fcopy_node=$(gexec 'for d in /sys/bus/vmbus/devices/*; do
        [ "$(cat $d/class_id)" = "{34d14be3-dee4-41c8-9ae7-6b174977c192}" ] || continue
        u=$(ls $d/uio 2>/dev/null | head -n1); [ -n "$u" ] && [ -c /dev/$u ] && echo /dev/$u
    done') || true
    case $fcopy_node in /dev/uio*) ;; *) fail "the file copy channel has no uio device node" ;; esac
    ;;
esac

# Each daemon holds its device open.
for pair in "hv_kvp_daemon /dev/vmbus/hv_kvp" "hv_vss_daemon /dev/vmbus/hv_vss" \
    "hv_fcopy_daemon $fcopy_node"; do
    set -- $pair
    pid=$(wait_daemon "$1" 30) || fail "$1 is not running"
    gexec "ls -l /proc/$pid/fd | grep -q ' $2\$'" ||
        fail "$1 (pid $pid) does not hold $2 open"
done

# The host's view: every IC negotiated ("ready").
ics=$(host_json ics) || fail "hvhost ics failed"
note "ics: $(printf '%s' "$ics" | tr -d '\n' | cut -c1-300)"
for t in heartbeat shutdown timesync kvp vss fcopy; do
    printf '%s' "$ics" | grep -q "hv-$t" || fail "hvhost ics does not list hv-$t"
done
bad=$(printf '%s' "$ics" | json '[str(i.get("id")) + "=" + str(i.get("state"))
    for i in find(d, "ics") if i.get("state") != "ready"]') ||
    fail "cannot read the IC states from: $ics"
[ -z "$bad" ] || fail "ICs not negotiated: $(echo $bad)"

check_console_or_fail
pass "$HV_FLAVOUR: 6 ICs, file copy on $fcopy_node"
