#!/usr/bin/env bash
# fcopy-chardev (6.1) / fcopy-uio (6.12): Copy-VMFile of a 100 MB file of
# random data through the transport this kernel has (the hv_utils character
# device up to 6.9; uio_hv_generic and the daemon's own ring code from 6.10).
# The daemon holds that device, the copy completes, and the guest's file has
# the host file's size and SHA-256. Nothing else is left in the directory.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fcopy-common.inc"
scenario_begin
fcopy_ready 30 || fail "the file copy IC is not ready: $(host ics 2>&1 | grep -i fcopy)"

case $SCENARIO in
fcopy-chardev) want=/dev/vmbus/hv_fcopy ;;
fcopy-uio) want=/dev/uio ;;
*) fail "run as fcopy-chardev or fcopy-uio" ;;
esac
node=$(fcopy_node) || fail "no file copy device in the guest"
case $node in "$want"*) ;; *) fail "the file copy device is $node, expected $want*" ;; esac
pid=$(wait_daemon hv_fcopy_daemon 30) || fail "hv_fcopy_daemon is not running"
gexec "ls -l /proc/$pid/fd | grep -q ' $node\$'" || fail "hv_fcopy_daemon does not hold $node"

src=$HV_WORK/big.bin
make_file "$src" $((100 * 1024 * 1024))
gexec 'rm -rf /tmp/fcopy-big && mkdir /tmp/fcopy-big' || fail "cannot prepare /tmp/fcopy-big"
t0=$(date +%s.%N)
copy "$src" /tmp/fcopy-big/big.bin || fail "copy-vmfile of 100 MB failed"
secs=$(echo "$(date +%s.%N) - $t0" | bc)
same_file "$src" /tmp/fcopy-big/big.bin || fail "the guest's copy differs from the host file"
no_leftovers /tmp/fcopy-big 'big.bin ' || fail "the copy left other files behind"
gexec 'rm -rf /tmp/fcopy-big'
rm -f "$src"
check_console_or_fail
pass "100 MB over $node in $(printf '%.1f' "$secs") s"
