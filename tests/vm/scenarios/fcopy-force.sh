#!/usr/bin/env bash
# fcopy-force: copying over an existing file is refused without --force
# (HV_ERROR_ALREADY_EXISTS) and leaves the old file as it was; with --force
# the new content replaces it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fcopy-common.inc"
scenario_begin
fcopy_ready 30 || fail "the file copy IC is not ready: $(host ics 2>&1 | grep -i fcopy)"

make_file "$HV_WORK/a" 100000
make_file "$HV_WORK/b" 200000
gexec 'rm -rf /tmp/fcopy-force && mkdir /tmp/fcopy-force' || fail "cannot prepare /tmp/fcopy-force"
copy "$HV_WORK/a" /tmp/fcopy-force/f.bin || fail "the first copy failed"
same_file "$HV_WORK/a" /tmp/fcopy-force/f.bin || fail "the first copy is wrong"

out=$("$HVHOST" --dir "$HV_VM_DIR" copy-vmfile "$HV_WORK/b" /tmp/fcopy-force/f.bin 2>&1)
rc=$?
note "overwrite without --force: exit $rc: $(echo $out | cut -c1-200)"
[ $rc -eq 1 ] || fail "overwriting without --force exited $rc, expected 1"
printf '%s' "$out" | grep -qiE '0x0*80070050|ALREADY_EXISTS|exists' ||
    fail "the refusal does not say the file exists: $out"
same_file "$HV_WORK/a" /tmp/fcopy-force/f.bin || fail "the refused copy changed the file"
no_leftovers /tmp/fcopy-force 'f.bin ' || fail "the refused copy left files behind"

copy "$HV_WORK/b" /tmp/fcopy-force/f.bin --force || fail "overwriting with --force failed"
same_file "$HV_WORK/b" /tmp/fcopy-force/f.bin || fail "--force did not replace the content"
no_leftovers /tmp/fcopy-force 'f.bin ' || fail "the forced copy left files behind"
gexec 'rm -rf /tmp/fcopy-force'
check_console_or_fail
pass
