#!/usr/bin/env bash
# fcopy-create-path: a destination whose directories do not exist is refused
# without --create-full-path (nothing is created), and created with it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fcopy-common.inc"
scenario_begin
fcopy_ready 30 || fail "the file copy IC is not ready: $(host ics 2>&1 | grep -i fcopy)"

make_file "$HV_WORK/f" 50000
gexec 'rm -rf /tmp/fcopy-path' >/dev/null
if copy "$HV_WORK/f" /tmp/fcopy-path/a/b/f.bin; then
    fail "a copy into missing directories succeeded without --create-full-path"
fi
gexec '[ ! -e /tmp/fcopy-path ]' || fail "the refused copy created directories"
copy "$HV_WORK/f" /tmp/fcopy-path/a/b/f.bin --create-full-path ||
    fail "the copy with --create-full-path failed"
same_file "$HV_WORK/f" /tmp/fcopy-path/a/b/f.bin || fail "the copied file differs"
no_leftovers /tmp/fcopy-path/a/b 'f.bin ' || fail "the copy left files behind"
gexec 'rm -rf /tmp/fcopy-path'
check_console_or_fail
pass
