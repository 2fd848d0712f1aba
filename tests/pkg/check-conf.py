#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-conf.py SOURCE_DIR

The default configuration files (config/<daemon>.conf.in) and the section 5
man pages (man/<daemon>.conf.5.in) must list exactly the keys the daemon
parses (the CONF_ITEM table in daemons/<daemon>/<daemon>-conf.c), each in
its section, every one commented out. A daemon whose config code has not
landed yet is skipped (exit 77 when none has).
"""
import os
import re
import sys


def source_keys(path):
    text = open(path, encoding="utf-8").read()
    return {(s, k) for s, k in
            re.findall(r'CONF_ITEM(?:_ARG)?\(\s*"([^"]+)"\s*,\s*"([^"]+)"', text)}


def conf_keys(path, errors):
    keys, section = set(), None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        s = line.strip()
        m = re.match(r"^\[([^\]]+)\]$", s)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^#([A-Za-z]+)=", s)
        if m:
            keys.add((section, m.group(1)))
        elif s and not s.startswith("#"):
            errors.append(f"{path}:{n}: a setting that is not commented out: {s}")
    return keys


def man_keys(path):
    keys, section = set(), None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\.SH \[([^\]]+)\]", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^\.BR ([A-Za-z]+) =", line)
        if m and section:
            keys.add((section, m.group(1)))
    return keys


def main(src):
    errors, checked, failed = [], 0, 0
    for d in ("kvp", "vss", "fcopy"):
        code = os.path.join(src, "daemons", d, f"{d}-conf.c")
        if not os.path.exists(code):
            print(f"skip {d}: {code} not there yet")
            continue
        checked += 1
        before = len(errors)
        want = source_keys(code)
        for what, path, have in (
                ("config", f"{src}/config/{d}.conf.in", None),
                ("man page", f"{src}/man/{d}.conf.5.in", None)):
            have = conf_keys(path, errors) if what == "config" else man_keys(path)
            for s, k in sorted(want - have):
                errors.append(f"{path}: [{s}] {k}= is parsed by {d}-conf.c but missing")
            for s, k in sorted(have - want):
                errors.append(f"{path}: [{s}] {k}= is not a key {d}-conf.c knows")
        failed += len(errors) > before
        print(f"{d}: {len(want)} keys")
    for e in errors:
        print("FAIL:", e)
    if not checked:
        return 77
    print(f"{checked - failed} passed, {failed} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
