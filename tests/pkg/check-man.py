#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-man.py ROOT MANDIR SBINDIR BINDIR

Every installed man page renders without a groff warning, and every long
option a program lists in its --help is documented in its man page (so the
pages follow the programs as they change). SBINDIR and BINDIR are paths in
the staged tree.
"""
import os
import re
import subprocess
import sys

PROGRAMS = ["hv_kvp_daemon", "hv_vss_daemon", "hv_fcopy_daemon", "hv-kvp"]


def main(root, mandir, sbindir, bindir):
    errors, checked = [], 0
    man = root + mandir
    for sec in ("man5", "man8"):
        d = os.path.join(man, sec)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            path = os.path.join(d, name)
            r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path],
                               capture_output=True, text=True,
                               env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8"))
            checked += 1
            if r.returncode != 0 or r.stderr.strip():
                errors.append(f"{sec}/{name}: {r.stderr.strip() or 'exit %d' % r.returncode}")
    for prog in PROGRAMS:
        exe = next((os.path.join(d, prog) for d in (sbindir, bindir)
                    if os.path.exists(os.path.join(d, prog))), None)
        if not exe:
            continue
        page = os.path.join(man, "man8", prog + ".8")
        if not os.path.exists(page):
            errors.append(f"{prog}: no man page {page}")
            continue
        r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
        opts = set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", r.stdout + r.stderr))
        if r.returncode != 0 or not opts:
            errors.append(f"{prog} --help: exit {r.returncode}, options {sorted(opts)}")
            continue
        text = open(page, encoding="utf-8").read().replace("\\-", "-")
        for o in sorted(opts):
            if not re.search(r"--" + re.escape(o) + r"(?![a-z0-9-])", text):
                errors.append(f"{prog}: --{o} is in --help but not in {prog}(8)")
        checked += 1
    for e in errors:
        print("FAIL:", e)
    print(f"{checked - len(errors)} passed, {len(errors)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
