#!/usr/bin/env bash
# Boots a test guest on a plain, unpatched QEMU (TCG, no Hyper-V), to check
# the guest itself without hvhost: /init runs, the modules that do not need
# Hyper-V load (and the hv ones fail cleanly), the network and /mnt/data come
# up, the agent answers, poweroff powers off. Prints the boot-to-READY time.
#
#   tests/vm/smoke-stock-qemu.sh FLAVOUR [QEMU]
#
# QEMU defaults to $HV_QEMU, else the first cached build under
# $HV_CACHE/qemu/*/bin. The guest must have been built (build-guest.sh).
# Never uses /dev/kvm.
set -uo pipefail

here=$(dirname "$(readlink -f "$0")")
flavour=${1:?usage: smoke-stock-qemu.sh 6.1|6.12 [QEMU]}
cache=${HV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperv-tools}
qemu=${2:-${HV_QEMU:-$(ls "$cache"/qemu/*/bin/qemu-system-x86_64 2>/dev/null | head -n1)}}
[ -x "$qemu" ] || { echo "FAIL smoke-$flavour: no QEMU (pass one, or set HV_QEMU)"; exit 1; }
guest=$cache/guest/$flavour
[ -e "$guest/initrd.img" ] || { echo "FAIL smoke-$flavour: run build-guest.sh $flavour first"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/hvsmoke.XXXXXX")
agent() { "$here/agent-client.py" "$dir/agent.sock" "$@"; }
fail() {
    echo "--- console tail:"
    tail -n 40 "$dir/console.log"
    echo "FAIL smoke-$flavour: $*"
    [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null
    exit 1
}

start=$(date +%s.%N)
"$qemu" -accel tcg,thread=multi -machine q35 -smp 2 -m 1536 -cpu qemu64 \
    -nodefaults -nographic -no-user-config -L /usr/share/qemu -L /usr/share/seabios \
    -chardev file,id=con,path="$dir/console.log" -serial chardev:con \
    -chardev socket,id=agent,path="$dir/agent.sock",server=on,wait=off \
    -device isa-serial,chardev=agent \
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile=,mac=52:54:00:12:34:56 \
    -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
    -append "console=ttyS0 panic=-1 ${HV_APPEND:-}" \
    -no-reboot >"$dir/qemu.log" 2>&1 &
qpid=$!

agent wait 180 || fail "the agent never said READY"
ready=$(date +%s.%N)
printf 'boot-to-READY: %.1f s (host clock)\n' "$(echo "$ready - $start" | bc)"

out=$(agent exec -- 'echo hello; uname -r') || fail "exec failed"
echo "$out"
echo "$out" | grep -q '^hello$' || fail "agent output wrong"
agent exec -- 'exit 7'
[ $? -eq 7 ] || fail "agent exit status not passed through"
echo "--- guest:"
agent exec -- 'cat /proc/uptime; lsmod | cut -d" " -f1 | tr "\n" " "; echo;
    echo failed: $(cat /run/hvtest/modules-failed);
    ip -o addr show dev eth0; cat /etc/resolv.conf; grep /mnt/data /proc/mounts;
    ls /dev/vmbus 2>&1; ls /run/log; hostname; ps | grep "[h]v_"; true' ||
    fail "guest inspection failed"
# A bad line and an empty command do not kill the agent.
python3 - "$dir/agent.sock" <<'EOF' || fail "agent died on bad input"
import socket, sys, base64
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"garbage\nX\nX abc Zm9v\nX 5 !!!notbase64\nX 6\n")
s.sendall(b"X 9 " + base64.b64encode(b"echo alive") + b"\n")
buf = b""
s.settimeout(30)
while b"R 9 " not in buf or b"\n" not in buf[buf.index(b"R 9 "):]:
    c = s.recv(4096)
    if not c: sys.exit(1)
    buf += c
line = buf[buf.index(b"R 9 "):].split(b"\n")[0].split(b" ")
sys.exit(0 if base64.b64decode(line[3]) == b"alive\n" else 1)
EOF
echo "agent survived bad lines"

# 100 MB into tmpfs, as the fcopy scenario does.
agent exec --timeout 120 -- 'dd if=/dev/zero of=/tmp/big bs=1M count=100 2>/dev/null && ls -l /tmp/big && rm /tmp/big' ||
    fail "no room for 100 MB in /tmp"

# Freeze /mnt/data by hand (what the VSS daemon will do).
agent exec --timeout 60 -- 'fsfreeze -f /mnt/data 2>/dev/null || busybox fsfreeze --freeze /mnt/data; echo frozen;
    (echo x > /mnt/data/w; echo written >/run/w) & sleep 2; cat /run/w 2>/dev/null || echo blocked;
    busybox fsfreeze --unfreeze /mnt/data; sleep 1; cat /run/w' || echo "(fsfreeze not in this busybox)"

t0=$(date +%s.%N)
agent exec -- 'poweroff' >/dev/null
for _ in $(seq 1 60); do kill -0 "$qpid" 2>/dev/null || break; sleep 1; done
kill -0 "$qpid" 2>/dev/null && fail "poweroff did not power off"
printf 'poweroff: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
for p in 'Oops' 'WARNING:' 'BUG:' 'Kernel panic' 'general protection fault' 'Call Trace'; do
    grep -q -- "$p" "$dir/console.log" && fail "console has $p"
done
grep -q 'hvtest: shutdown: done' "$dir/console.log" || fail "shutdown hook did not run"
grep 'hvtest:' "$dir/console.log" | head -n 60
echo "PASS smoke-$flavour (console: $dir/console.log)"
