# shellcheck shell=bash
# tests/vm/lib.sh: what every VM scenario sources.
#
# A scenario runs against a guest that is already booted (one boot serves
# every scenario of a kernel flavour). Environment:
#   HV_VM_DIR      the VM's state directory: qmp.sock, agent.sock, console.log
#                  (default $HV_BUILD_DIR/tests/vm/<flavour>-<modset>)
#   HV_FLAVOUR     6.1 or 6.12 (default: what the VM was booted with)
#   HV_MODSET      the module set a boot loads: stock (default), ours-vmbus,
#                  ours-utils, ours (build-guest.sh); scenarios see the set
#                  the VM was booted with in $HV_VM_DIR/modset
#   HVHOST         the hvhost CLI (default $HV_BUILD_DIR/tests/hvhost/cli/hvhost,
#                  else hvhost on PATH)
#   HV_BUILD_DIR   the CMake build (default <source>/build)
#   HV_QEMU        QEMU for `hvhost boot --qemu` (default: hvhost's own choice)
#   HV_BOOT_ARGS   more `hvhost boot` options (e.g. --no-hv on a plain QEMU)
#   HV_VM_ROOT     disk: the guest's root filesystem and a data disk on
#                  hvhost's VMBus SCSI controller; initrd (or initramfs): the
#                  guest runs from its initramfs with no disk. Default: the
#                  set's (`scenarios.sh --root MODSET`: disk for stock and
#                  ours-utils); a boot records it in $HV_VM_DIR/root
#   HV_VM_NIC      the NIC model: hv (default, hvhost's VMBus NIC), virtio, none
#
# Output: a scenario prints diagnostics as "# ..." lines and exactly one
# "PASS <name>" or "FAIL <name>: reason" line; it exits 0, 1, or 77 (skipped,
# with "SKIP <name>: reason") when there is no VM to run against.

HV_VM_SRC=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
HV_VM_LIB=$HV_VM_SRC/tests/vm
HV_BUILD_DIR=${HV_BUILD_DIR:-$HV_VM_SRC/build}
HV_CACHE=${HV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperv-tools}
export HV_BUILD_DIR HV_CACHE

# Class ids of the integration components (lower case, as sysfs has them).
HV_CLASS_HEARTBEAT=57164f39-9115-4e78-ab55-382f3bd5422d
HV_CLASS_SHUTDOWN=0e0b6031-5213-4934-818b-38d90ced39db
HV_CLASS_TIMESYNC=9527e630-d0ae-497b-adce-e80ab0175caf
HV_CLASS_KVP=a9a0f4e7-5a45-4d96-b827-8a841e8c03e6
HV_CLASS_VSS=35fa2e29-ea23-4236-96ae-3a6ebacba440
HV_CLASS_FCOPY=34d14be3-dee4-41c8-9ae7-6b174977c192

# The console patterns that fail any scenario.
HV_CONSOLE_BAD='Oops|WARNING:|BUG:|Kernel panic|general protection fault|Call Trace'

SCENARIO=${SCENARIO:-$(basename "${0%.sh}")}

note() { printf '# %s\n' "$*"; }

hv_find_hvhost() {
    if [ -n "${HVHOST:-}" ]; then
        [ -x "$HVHOST" ] && return 0
        return 1
    fi
    local c
    for c in "$HV_BUILD_DIR/tests/hvhost/cli/hvhost" "$HV_BUILD_DIR/tests/hvhost/hvhost" \
        "$(command -v hvhost 2>/dev/null)"; do
        if [ -n "$c" ] && [ -x "$c" ]; then
            HVHOST=$c
            export HVHOST
            return 0
        fi
    done
    return 1
}

# ---- results ---------------------------------------------------------------------

# The console line count when the scenario started: console_check looks at
# what came after it, so a scenario answers for its own kernel messages.
HV_CONSOLE_START=0

pass() {
    echo "PASS $SCENARIO${1:+ ($*)}"
    exit 0
}

fail() {
    echo "FAIL $SCENARIO: $*"
    exit 1
}

skip() {
    echo "SKIP $SCENARIO: $*"
    exit 77
}

# Checks the console log (from line $1, default the scenario's start) for
# kernel trouble; on a find prints the console tail and returns 1.
console_check() {
    local from=${1:-$HV_CONSOLE_START} log=$HV_VM_DIR/console.log hits
    [ -f "$log" ] || { note "no console log $log"; return 1; }
    hits=$(tail -n "+$((from + 1))" "$log" | grep -E -n -- "$HV_CONSOLE_BAD" || true)
    [ -z "$hits" ] && return 0
    note "console has kernel trouble:"
    printf '%s\n' "$hits" | head -n 5 | sed 's/^/#   /'
    note "console tail:"
    tail -n 60 "$log" | sed 's/^/#   /'
    return 1
}

# Fails the scenario if the console shows kernel trouble.
check_console_or_fail() {
    console_check "$@" || fail "kernel trouble on the console (${HV_CONSOLE_BAD//|/, })"
}

# ---- the host ----------------------------------------------------------------------

host() { "$HVHOST" --dir "$HV_VM_DIR" "$@"; }
host_json() { "$HVHOST" --json --dir "$HV_VM_DIR" "$@"; }

# Prints a JSON document's parts with a Python expression over `d`, e.g.
#   host_json heartbeat | json 'd["sequence"]'
# Lists print one element a line; dicts and lists inside print as JSON.
json() {
    python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError as e:
    print("json: not a JSON document (%s)" % e, file=sys.stderr)
    sys.exit(1)
def find(o, k):
    """The first value of key k anywhere in o (depth first)."""
    if isinstance(o, dict):
        if k in o:
            return o[k]
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = find(v, k)
            if r is not None:
                return r
    return None
def items(o, out=None):
    """Every {key, value} object anywhere in o, as a dict key -> value."""
    out = {} if out is None else out
    if isinstance(o, dict):
        if "key" in o and "value" in o:
            out[str(o["key"])] = o["value"]
        for v in o.values():
            items(v, out)
    elif isinstance(o, list):
        for v in o:
            items(v, out)
    return out
try:
    r = eval(sys.argv[1])
except (KeyError, IndexError, TypeError, AttributeError) as e:
    print("json: %s: %r" % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1)
if r is None:
    sys.exit(1)
try:
    for v in (r if isinstance(r, list) else [r]):
        if isinstance(v, bool):
            print("true" if v else "false")
        elif isinstance(v, (dict, list)):
            print(json.dumps(v))
        else:
            print(v)
    sys.stdout.flush()
except BrokenPipeError:  # a reader such as grep -q that stopped early
    sys.stderr.close()
    sys.exit(0)
' "$1"
}

# Runs one QMP command on the VM's monitor directly (for what the CLI does
# not expose, e.g. hv-fcopy-cancel) and prints its "return" as JSON.
#   qmp hv-fcopy-cancel
#   qmp hv-fcopy-start '{"source": "/x", "destination": "/tmp/x"}'
qmp() {
    python3 - "$HV_VM_DIR/qmp.sock" "$1" "${2:-}" <<'EOF'
import json, socket, sys, time
path, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.monotonic() + 30
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        break
    except OSError:
        s.close()
        if time.monotonic() > deadline:
            print("qmp: cannot connect to %s" % path, file=sys.stderr)
            sys.exit(2)
        time.sleep(0.2)
f = s.makefile("rw")
def recv():
    while True:
        line = f.readline()
        if not line:
            print("qmp: connection closed", file=sys.stderr)
            sys.exit(2)
        m = json.loads(line)
        if "event" not in m:
            return m
recv()  # greeting
f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush()
recv()
req = {"execute": cmd}
if args:
    req["arguments"] = json.loads(args)
f.write(json.dumps(req) + "\n"); f.flush()
m = recv()
if "error" in m:
    print("qmp: %s: %s" % (cmd, m["error"].get("desc", m["error"])), file=sys.stderr)
    sys.exit(1)
print(json.dumps(m.get("return", {})))
EOF
}

# Is QEMU still there (its monitor accepts a connection)?
qemu_alive() {
    python3 - "$HV_VM_DIR/qmp.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError:
    sys.exit(1)
EOF
}

# wait_until SECONDS CMD...: runs CMD every half second until it succeeds.
wait_until() {
    local t=$1 end
    shift
    end=$(($(date +%s) + t))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.5
    done
}

# ---- the guest -------------------------------------------------------------------

# gexec CMD...: runs a shell command line in the guest through the agent;
# prints its output and returns its exit status.
gexec() { "$HVHOST" --dir "$HV_VM_DIR" exec -- "$*"; }
# gexec_t SECONDS CMD...: the same with a timeout.
gexec_t() {
    local t=$1
    shift
    "$HVHOST" --dir "$HV_VM_DIR" exec --timeout "$t" -- "$*"
}

# The pid of a daemon as the guest's supervisor started it, empty if none.
daemon_pid() {
    gexec "p=\$(cat /run/hvtest/$1.pid 2>/dev/null) && [ -d /proc/\$p ] && echo \$p" 2>/dev/null
}

# How often the supervisor started a daemon.
daemon_starts() { gexec "cat /run/hvtest/$1.starts 2>/dev/null || echo 0"; }

# Waits until a daemon runs (and is not the pid given as $3); prints the pid.
wait_daemon() {
    local name=$1 t=${2:-30} not=${3:-} end p
    end=$(($(date +%s) + t))
    while [ "$(date +%s)" -lt "$end" ]; do
        p=$(daemon_pid "$name")
        if [ -n "$p" ] && [ "$p" != "$not" ]; then
            echo "$p"
            return 0
        fi
        sleep 1
    done
    return 1
}

# The guest's MAC address and IPv4 address of eth0.
guest_mac() { gexec 'cat /sys/class/net/eth0/address'; }
# guest_ipv4 [IF]: the first IPv4 address of IF (default eth0).
guest_ipv4() { gexec "ip -4 -o addr show dev ${1:-eth0} | awk '{ split(\$4, a, \"/\"); print a[1]; exit }'"; }
# guest_dhcp IF: brings IF up and leases an address with the guest's udhcpc
# (log in /run/log/udhcpc.IF.log); a no-op when IF has an IPv4 address.
guest_dhcp() {
    gexec "ip -4 -o addr show dev $1 | grep -q inet || { ip link set $1 up &&
        udhcpc -i $1 -n -q -t 5 -T 2 -s /etc/hvtest/udhcpc.script >/run/log/udhcpc.$1.log 2>&1; }"
}

# ---- per-scenario set-up -------------------------------------------------------------

# scenario_begin: checks that the VM can be used and records where the
# console is, so console_check looks at this scenario's messages only.
scenario_begin() {
    hv_find_hvhost || skip "no hvhost CLI (set HVHOST, or build tests/hvhost)"
    [ -n "${HV_VM_DIR:-}" ] || skip "HV_VM_DIR is not set"
    [ -S "$HV_VM_DIR/qmp.sock" ] || skip "no VM in $HV_VM_DIR (run vm-<flavour>-boot first)"
    qemu_alive || fail "the VM in $HV_VM_DIR is not running"
    HV_FLAVOUR=${HV_FLAVOUR:-$(cat "$HV_VM_DIR/flavour" 2>/dev/null)}
    [ -z "${HV_MODSET:-}" ] || [ "$HV_MODSET" = "$(vm_modset)" ] ||
        fail "the VM in $HV_VM_DIR runs the $(vm_modset) module set, not $HV_MODSET"
    HV_CONSOLE_START=$(wc -l <"$HV_VM_DIR/console.log" 2>/dev/null || echo 0)
    HV_WORK=$HV_VM_DIR/work/$SCENARIO
    rm -rf "$HV_WORK"
    mkdir -p "$HV_WORK"
    export HV_VM_DIR HV_FLAVOUR HV_WORK HVHOST
    gexec true >/dev/null || fail "the guest agent does not answer"
}

# ---- module sets -------------------------------------------------------------------

# The driver the file copy channel gets (scenarios.sh --fcopy): hv_utils or
# uio_hv_generic.
fcopy_driver() { sh "$HV_VM_LIB/scenarios.sh" --fcopy "${HV_FLAVOUR:?}" "${HV_MODSET:-stock}"; }

# The root a boot uses, disk or initrd: HV_VM_ROOT, else the set's default.
hv_vm_root() {
    local r=${HV_VM_ROOT:-$(sh "$HV_VM_LIB/scenarios.sh" --root "${HV_MODSET:-stock}")}
    case $r in
    disk) echo disk ;;
    initrd | initramfs) echo initrd ;;
    *) echo "HV_VM_ROOT is '$r' (disk, initrd or initramfs)" >&2; return 1 ;;
    esac
}

# The set and root of the VM in $HV_VM_DIR (as vm_boot recorded them).
vm_modset() { cat "$HV_VM_DIR/modset" 2>/dev/null || echo stock; }
vm_root() { cat "$HV_VM_DIR/root" 2>/dev/null || echo disk; }

# modules_check MODULES: the guest's loaded VMBus modules are those of the
# image, as build-guest.sh listed them in MODULES ("NAME ours|stock
# BUILD-ID" lines): each is loaded, its GNU build id (from
# /sys/module/NAME/notes) is the .ko's, and it carries the out-of-tree
# taint (O) exactly when it is ours. Prints one "NAME whose id" note line
# each; on a mismatch prints why and returns 1.
modules_check() {
    local list=$1 got name whose id gid taint bad=0 seen
    [ -s "$list" ] || { note "no module list $list"; return 1; }
    got=$(gexec 'for m in hv_vmbus hv_utils uio_hv_generic hv_storvsc hv_netvsc; do
        [ -d /sys/module/$m ] || { echo "$m absent"; continue; }
        id=$(od -An -v -tx1 /sys/module/$m/notes/.note.gnu.build-id 2>/dev/null | tr -d " \n")
        echo "$m ${id:--} $(cat /sys/module/$m/taint 2>/dev/null)-"
    done') || { note "cannot read /sys/module in the guest"; return 1; }
    while read -r name whose id; do
        seen=$(printf '%s\n' "$got" | awk -v m="$name" '$1 == m')
        gid=$(echo "$seen" | awk '{ print $2 }')
        taint=$(echo "$seen" | awk '{ print $3 }')
        # The note: namesz, descsz, type (4 bytes each), "GNU\0", the id.
        if [ -z "$seen" ] || [ "$gid" = absent ]; then
            note "$name ($whose) is not loaded"
            bad=1
            continue
        fi
        [ "$gid" = - ] || gid=${gid:32}
        if [ -n "$id" ] && [ "$gid" != "$id" ]; then
            note "$name: the loaded module's build id is $gid, the image's $whose one $id"
            bad=1
        fi
        case $whose:$taint in
        ours:*O*) ;;
        ours:*) note "$name: the loaded module is in-tree (taint '${taint%-}'), expected ours"; bad=1 ;;
        stock:*O*) note "$name: the loaded module is out-of-tree (taint '${taint%-}'), expected Debian's"; bad=1 ;;
        esac
        note "module $name: $whose, build id ${gid:0:12}, taint '${taint%-}'"
    done <"$list"
    return $bad
}

# ---- booting ---------------------------------------------------------------------

# vm_boot FLAVOUR DIR [APPEND]: builds the guest of module set HV_MODSET
# (default stock) if needed and boots it under hvhost into DIR; waits for
# the agent, then fails unless the loaded VMBus modules are the set's
# (modules_check). Prints the boot time. With root disk (hv_vm_root) the
# VM's disks are DIR/root.img (a copy of the guest's root image, LUN 0) and
# DIR/data.img (256 MiB of ext4 labelled hvdata, LUN 1, the guest's
# /mnt/data), both on the VMBus SCSI controller.
vm_boot() {
    local flavour=$1 dir=$2 append=${3:-} out t0 t1 disks=() modset=${HV_MODSET:-stock} root
    hv_find_hvhost || skip "no hvhost CLI (set HVHOST, or build tests/hvhost)"
    root=$(hv_vm_root) || fail "bad HV_VM_ROOT"
    HV_VM_DIR=$dir
    if [ -S "$dir/qmp.sock" ] && qemu_alive; then
        note "a VM is still running in $dir: quitting it"
        host quit >/dev/null 2>&1 || true
        wait_until 30 eval '! qemu_alive' || fail "the old VM in $dir does not quit"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    out=$("$HV_VM_LIB/build-guest.sh" "$flavour" "$HV_BUILD_DIR" "$modset" 2>"$dir/build-guest.log") ||
        { sed 's/^/# /' "$dir/build-guest.log"; fail "building the $flavour guest ($modset modules) failed"; }
    MODULES=
    eval "${out##*$'\n'}" # KERNEL=... INITRD=... ROOT=... MODULES=...
    echo "$flavour" >"$dir/flavour"
    echo "$modset" >"$dir/modset"
    echo "$root" >"$dir/root"
    [ -n "$MODULES" ] && cp "$MODULES" "$dir/modules"
    if [ "$root" = disk ]; then
        cp --sparse=always "$(readlink -f "$ROOT")" "$dir/root.img" || fail "copying the root image failed"
        truncate -s 256M "$dir/data.img" &&
            mkfs.ext4 -q -F -L hvdata -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$dir/data.img" ||
            fail "making the data disk failed"
        disks=(--disk "$dir/root.img" --disk "$dir/data.img")
        append="hvtest.root=LABEL=hvroot $append"
    fi
    t0=$(date +%s.%N)
    host boot --kernel "$KERNEL" --initrd "$INITRD" --smp 2 --mem 1536 \
        ${HV_QEMU:+--qemu "$HV_QEMU"} "${disks[@]}" --nic "${HV_VM_NIC:-hv}" ${HV_BOOT_ARGS:-} \
        --append "console=ttyS0 panic=-1 ${append} ${HV_APPEND:-}" >"$dir/boot.log" 2>&1 ||
        { sed 's/^/# /' "$dir/boot.log"; fail "hvhost boot failed"; }
    host wait-agent --timeout "${HV_BOOT_TIMEOUT:-300}" >>"$dir/boot.log" 2>&1 ||
        { console_check 0; tail -n 40 "$dir/console.log" | sed 's/^/# /'; fail "the guest agent never became ready"; }
    t1=$(date +%s.%N)
    printf '%s\n' "$(echo "$t1 - $t0" | bc)" >"$dir/boot-seconds"
    note "booted $flavour ($(basename "$(readlink -f "$INITRD")"), $modset modules, root $root) in $(printf '%.1f' "$(cat "$dir/boot-seconds")") s"
    modules_check "$dir/modules" ||
        { grep -a -E 'hvtest: module .* (failed|skipped)' "$dir/console.log" | tr -d '\r' | sed 's/^/# /'
          fail "the guest does not run the $modset module set"; }
}

# ---- disks ---------------------------------------------------------------------

# The guest's disk (SCSI or virtio) of a given size in 512-byte sectors (a
# hot-added disk is found by its size), e.g. guest_disk_of_size 1048576 -> sdc.
guest_disk_of_size() {
    gexec "for b in /sys/block/sd* /sys/block/vd*; do [ -e \$b ] && [ \"\$(cat \$b/size)\" = $1 ] && echo \${b##*/}; done" | head -n1
}

# Makes a sparse raw image of SIZE (truncate syntax) at PATH.
host_image() { rm -f "$2" && truncate -s "$1" "$2"; }

# hot_disk ID MIB [DISK-ADD-OPTION...]: a sparse raw image HV_WORK/ID.img
# of MIB MiB, hot-added to the VM as ID (`hvhost disk-add`, by default on
# the VMBus SCSI controller scsi0); prints the guest's name for it (found by
# its size) once the guest sees it; what went wrong goes to stderr.
hot_disk() {
    local id=$1 mib=$2 img=$HV_WORK/$1.img sectors=$(($2 * 2048)) out
    shift 2
    host_image "${mib}M" "$img" || return 1
    out=$(host disk-add "$img" --id "$id" "$@" 2>&1) || { note "hvhost disk-add $id failed: $out" >&2; return 1; }
    note "disk-add: $(echo $out)" >&2
    wait_until 30 eval "[ -n \"\$(guest_disk_of_size $sectors)\" ]" ||
        { note "the guest never saw disk $id" >&2; return 1; }
    guest_disk_of_size "$sectors"
}

# The image each of the VM's disks writes to now (QMP query-block:
# device or qdev id, then the top image's file name), one "id file" a line.
vm_disk_images() {
    qmp query-block | json '[ (b.get("qdev") or b["device"]).split("/")[-1] + " " + b["inserted"]["file"] for b in d if b.get("inserted") ]'
}

# ---- network ---------------------------------------------------------------------

# tcp_sink DIR: a one-connection TCP server on the host's loopback (the
# guest reaches it as 10.0.2.2 through QEMU's user network). Writes its port
# to DIR/sink.port at once and, when the guest closes, "BYTES MD5..." to
# DIR/sink.out: the byte count and the distinct MD5 sums of the stream's
# 16 MiB blocks, in the order they first came. Gives up after 10 minutes.
tcp_sink() {
    local d=$1
    rm -f "$d/sink.port" "$d/sink.out"
    python3 - "$d" <<'PY' &
import hashlib, os, socket, sys
d = sys.argv[1]
BLOCK = 16 << 20
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(600)
with open(os.path.join(d, "sink.port.tmp"), "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(os.path.join(d, "sink.port.tmp"), os.path.join(d, "sink.port"))
c, _ = s.accept()
c.settimeout(600)
h, n, left, sums = hashlib.md5(), 0, BLOCK, []
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    n += len(b)
    while b:
        take = b[:left]
        h.update(take)
        b = b[len(take):]
        left -= len(take)
        if left == 0:
            if h.hexdigest() not in sums:
                sums.append(h.hexdigest())
            h, left = hashlib.md5(), BLOCK
if left != BLOCK:
    sums.append("partial-" + h.hexdigest())
with open(os.path.join(d, "sink.out.tmp"), "w") as f:
    f.write("%d %s\n" % (n, " ".join(sums)))
os.rename(os.path.join(d, "sink.out.tmp"), os.path.join(d, "sink.out"))
PY
    wait_until 10 test -s "$d/sink.port"
}

# guest_send_checked MB HOST [PORT-DIR]: the guest sends MB MiB over one TCP
# connection to HOST:port of a tcp_sink: a 16 MiB random block repeated,
# from a file (in /tmp up to 128 MiB, else on the root disk: a pipe would
# halve the rate under TCG). The host must count every byte, and every
# 16 MiB block it got must have the guest's block's MD5. Prints
# "MB MiB in S s".
guest_send_checked() {
    local mb=$1 to=$2 d=${3:-$HV_WORK} port bsum t0 t1 n f=/tmp/net-send bytes sums
    [ "$mb" -le 128 ] || f=/root/net-send
    tcp_sink "$d" || { note "the TCP sink did not start"; return 1; }
    port=$(cat "$d/sink.port")
    n=$((mb / 16))
    bsum=$(gexec_t 300 "head -c 16777216 /dev/urandom >/tmp/net-block && md5sum </tmp/net-block | cut -d' ' -f1 &&
        rm -f $f && for i in \$(seq $n); do cat /tmp/net-block; done >$f && rm /tmp/net-block") || return 1
    t0=$(date +%s.%N)
    gexec_t 900 "nc $to $port <$f" || { note "nc failed in the guest"; gexec "rm -f $f"; return 1; }
    gexec "rm -f $f"
    wait_until 60 test -s "$d/sink.out" || { note "the host never saw the end of the stream"; return 1; }
    t1=$(date +%s.%N)
    read -r bytes sums <"$d/sink.out"
    if [ "$bytes" != $((n * 16777216)) ] || [ "$sums" != "$bsum" ]; then
        note "sent $((n * 16777216)) bytes of blocks with md5 $bsum, the host got $bytes bytes with block md5s: $sums"
        return 1
    fi
    printf '%s MiB in %.1f s\n' "$((n * 16))" "$(echo "$t1 - $t0" | bc)"
}

# The guest's first network interface bound to driver $1 (hv_netvsc, virtio_net).
guest_nic_of_driver() {
    gexec "for i in /sys/class/net/*; do [ \"\$(basename \$(readlink \$i/device/driver) 2>/dev/null)\" = $1 ] && echo \${i##*/}; done" | head -n1
}

# The VMBus device (GUID) behind a guest network interface.
guest_nic_vmbus() {
    gexec "readlink -f /sys/class/net/$1/device" | sed -n 's|.*/\([0-9a-f-]\{36\}\)$|\1|p'
}

# raw_image FILE TMP: prints a raw image of FILE: FILE itself, or a qcow2
# (a checkpoint's overlay and its backing chain) flattened into TMP.
raw_image() {
    if [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 514649fb ]; then
        qemu-img convert -O raw "$1" "$2" || return 1
        echo "$2"
    else
        echo "$1"
    fi
}

# ---- channels ---------------------------------------------------------------------

# vmbus_channel_irqs GUID: "relid interrupts" for each channel of a VMBus device.
vmbus_channel_irqs() {
    gexec "for c in /sys/bus/vmbus/devices/$1/channels/*; do echo \${c##*/} \$(cat \$c/interrupts); done"
}

# channels_all_moved BEFORE AFTER MIN: every channel in BEFORE (a
# vmbus_channel_irqs listing) gained at least MIN interrupts in AFTER.
channels_all_moved() {
    local relid b a ok=0
    while read -r relid b; do
        a=$(awk -v r="$relid" '$1 == r { print $2 }' "$2")
        note "channel $relid: interrupts $b -> ${a:-gone}"
        [ "$((${a:-0} - b))" -ge "$3" ] || ok=1
    done <"$1"
    return $ok
}

# ---- benchmarks ---------------------------------------------------------------------

# bench_prepare: the hvhost CLI and QEMU a benchmark boots with (HV_QEMU,
# else HVHOST_QEMU, else build-qemu.sh's cached build); exits 1 without them.
bench_prepare() {
    hv_find_hvhost || { note "no hvhost CLI (build tests/hvhost, or set HVHOST)"; exit 1; }
    if [ -z "${HV_QEMU:-}" ]; then
        HV_QEMU=${HVHOST_QEMU:-$("$HV_VM_SRC/tests/hvhost/build-qemu.sh")} ||
            { note "tests/hvhost/build-qemu.sh failed"; exit 1; }
    fi
    [ -x "$HV_QEMU" ] || { note "no QEMU at $HV_QEMU"; exit 1; }
    export HV_QEMU HVHOST_QEMU=$HV_QEMU
}
