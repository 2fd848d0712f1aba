#!/usr/bin/env bash
# vmbus-sysfs: the sysfs layout of /sys/bus/vmbus/devices/ (udev rules,
# uio_hv_generic, lsvmbus and cloud agents read it) is the stock hv_vmbus's.
# Every readable regular file of every device and of its channels/<relid>/
# is dumped as "name mode value"; values that move by themselves (ring
# indices and bytes available, interrupt masks, interrupt, event and other
# counts, monitor pending/latency, the ring buffer) keep only their names.
# On the host the dump is normalised: a device is keyed by class_id and
# device_id (not by its directory name), and a relid (channel directory
# names, `id`, `channel_vp_mapping`) by the device and subchannel_id it
# belongs to, since relids follow the host's offer order.
#  - stock set: the dump is stored as the reference
#    <build>/tests/vm/<K>-vmbus-sysfs.ref (booted from the disk) or
#    <K>-initrd-vmbus-sysfs.ref (from the initramfs: no SCSI controller, so
#    the NIC's channels sit on other CPUs);
#  - any other set: it must equal the reference of its flavour and root,
#    line for line (the diff is printed); no reference yet: skipped.
# Runs first, right after boot, so every set meets the same history.
. "$(dirname "$0")/../lib.sh"
scenario_begin

set_name=$(vm_modset)
root=$(vm_root)
case $root in
disk) ref=$HV_BUILD_DIR/tests/vm/$HV_FLAVOUR-vmbus-sysfs.ref ;;
*) ref=$HV_BUILD_DIR/tests/vm/$HV_FLAVOUR-$root-vmbus-sysfs.ref ;;
esac

dump() {
	gexec_t 120 'for d in /sys/bus/vmbus/devices/*; do
	for f in "$d"/* "$d"/channels/*/*; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		n=${f##*/}
		m=$(stat -c %a "$f")
		case $n in
		*count* | *intr* | *events* | interrupts | *_index | *bytes_avail | read_avail | \
		write_avail | *_mask | out_full_* | *pending* | *latency* | ring)
			v="*" ;;
		*) v=$(cat "$f" 2>&1 | tr "\n\t" "| ") ;;
		esac
		printf "%s\t%s\t%s\t%s\n" "${d##*/}" "${f#$d/}" "$m" "$v"
	done
done'
}
normalise() { # raw-dump
	python3 - "$1" <<'PY'
import collections, sys
devs = collections.defaultdict(dict)  # dir name -> {path: (mode, value)}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 4:
        continue
    name, path, mode, value = parts
    devs[name][path] = (mode, value.rstrip("|"))
def guid(v):
    return v.strip("{}").lower()
key, relid = {}, {}
for name, a in devs.items():
    k = "%s/%s" % (guid(a.get("class_id", ("", "?"))[1]), guid(a.get("device_id", ("", name))[1]))
    key[name] = k
    for path, (mode, value) in a.items():
        p = path.split("/")
        if len(p) == 3 and p[0] == "channels" and p[2] == "subchannel_id":
            relid[p[1]] = "%s#%s" % (k, value)
    if "id" in a:
        relid.setdefault(a["id"][1], k + "#0")
def rel(r, own):
    """A relid as "#SUBCHANNEL" of the device own, else "<device>#SUB"."""
    label = relid.get(r)
    if label is None:
        return "relid?" + r
    k, _, sub = label.partition("#")
    return "#" + sub if k == own else "<%s>#%s" % (k, sub)
out = []
for name, a in devs.items():
    for path, (mode, value) in a.items():
        p = path.split("/")
        if len(p) == 3 and p[0] == "channels":
            p[1] = rel(p[1], key[name])
        if path == "id":
            value = rel(value, key[name])
        elif path == "channel_vp_mapping":
            m = []
            for e in value.split("|"):
                r, _, cpu = e.partition(":")
                m.append("%s:%s" % (rel(r, key[name]), cpu))
            value = "|".join(sorted(m))
        out.append("%s %s %s %s" % (key[name], "/".join(p), mode, value))
for l in sorted(out):
    print(l)
PY
}

dump >"$HV_WORK/raw" || fail "dumping /sys/bus/vmbus/devices in the guest failed"
sleep 2
dump >"$HV_WORK/raw2" || fail "dumping /sys/bus/vmbus/devices in the guest failed"
normalise "$HV_WORK/raw" >"$HV_WORK/sysfs" || fail "normalising the dump failed"
normalise "$HV_WORK/raw2" >"$HV_WORK/sysfs2" || fail "normalising the dump failed"
ndev=$(cut -d' ' -f1 "$HV_WORK/sysfs" | sort -u | wc -l)
nattr=$(wc -l <"$HV_WORK/sysfs")
note "$nattr attributes of $ndev devices ($HV_WORK/sysfs)"
[ "$ndev" -ge 7 ] || fail "only $ndev VMBus devices in sysfs"
# Values that moved within 2 s are missing from the list of volatile names.
moved=$(diff "$HV_WORK/sysfs" "$HV_WORK/sysfs2" | grep '^>' | cut -c3-)
[ -z "$moved" ] || {
	printf '%s\n' "$moved" | sed 's/^/#   moved by itself: /'
	fail "attribute values changed by themselves within 2 s: add their names to the volatile list"
}

if [ "$set_name" = stock ]; then
	if [ -f "$ref" ] && ! cmp -s "$ref" "$HV_WORK/sysfs"; then
		note "the previous stock reference differs:"
		diff "$ref" "$HV_WORK/sysfs" | head -n 20 | sed 's/^/#   /'
	fi
	mkdir -p "$(dirname "$ref")"
	cp "$HV_WORK/sysfs" "$ref.tmp" && mv "$ref.tmp" "$ref" || fail "cannot write $ref"
	check_console_or_fail
	pass "reference $ref: $nattr attributes of $ndev devices"
fi

[ -f "$ref" ] || skip "no stock reference $ref yet (run the stock set's vmbus-sysfs with HV_VM_ROOT=$root first)"
if ! diff -u "$ref" "$HV_WORK/sysfs" >"$HV_WORK/sysfs.diff"; then
	note "diff stock ($ref) -> $set_name:"
	head -n 80 "$HV_WORK/sysfs.diff" | sed 's/^/#   /'
	fail "the sysfs of $set_name differs from stock's in $(grep -c '^[-+][^-+]' "$HV_WORK/sysfs.diff") lines"
fi
check_console_or_fail
pass "$nattr attributes of $ndev devices as stock's"
