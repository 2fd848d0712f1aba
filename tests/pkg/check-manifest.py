#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare an installed tree (or a .deb's file list) with manifest.txt.

    check-manifest.py MANIFEST TARGETS VAR=VALUE... -- tree ROOT
    check-manifest.py MANIFEST TARGETS VAR=VALUE... -- deb FILE.deb

TARGETS is a comma-separated list of the programs built; VAR=VALUE pairs
fill in @SBINDIR@, @UNITDIR@ ... Every expected path must be there (as a
file, a symlink to the stated target, or a directory), and nothing else of
ours may be: a file installed by accident fails too. In a .deb, man pages
are compressed and /usr/share/doc and /usr/share/lintian belong to the
packaging.
"""
import os
import subprocess
import sys


def expected(manifest, targets, subst):
    out = {}
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            target, rest = line.split(None, 1)
            if target not in targets:
                continue
            for k, v in subst.items():
                rest = rest.replace(f"@{k}@", v)
            if " -> " in rest:
                path, link = rest.split(" -> ")
                out[path.strip()] = ("link", link.strip())
            elif rest.endswith(" dir"):
                out[rest[:-4].strip()] = ("dir", None)
            else:
                out[rest] = ("file", None)
    return out


def from_tree(root):
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = "/" + os.path.relpath(dirpath, root) if dirpath != root else "/"
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            key = os.path.join(rel, name)
            link = os.readlink(p) if os.path.islink(p) else None
            if "/man/" in key:	# compressed by the package build
                key, link = key.removesuffix(".gz"), link and link.removesuffix(".gz")
            found[key] = ("link", link) if link else ("file", None)
        if not filenames and not dirnames:
            found[rel] = ("dir", None)
    return found


def from_deb(deb):
    r = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True)
    t = subprocess.run(["tar", "-tvf", "-"], input=r.stdout, capture_output=True, check=True)
    found, dirs = {}, set()
    for line in t.stdout.decode().splitlines():
        parts = line.split(None, 5)
        mode, name = parts[0], parts[5]
        name = name[1:] if name.startswith(".") else name
        if name.startswith(("/usr/share/doc/", "/usr/share/lintian/")):
            continue
        if mode.startswith("d"):
            dirs.add(name.rstrip("/") or "/")
            continue
        if mode.startswith("l"):
            name, link = name.split(" -> ")
            if "/man/" in name:
                name, link = name.removesuffix(".gz"), link.removesuffix(".gz")
            found[name] = ("link", link)
        else:
            found[name.removesuffix(".gz") if "/man/" in name else name] = ("file", None)
    parents = {os.path.dirname(p) for p in list(found) + list(dirs)}
    for d in dirs:
        if d not in parents:
            found[d] = ("dir", None)
    return found


def main(argv):
    sep = argv.index("--")
    manifest, targets, pairs = argv[0], set(argv[1].split(",")), argv[2:sep]
    kind, what = argv[sep + 1], argv[sep + 2]
    subst = dict(p.split("=", 1) for p in pairs)
    want = expected(manifest, targets, subst)
    have = from_tree(what) if kind == "tree" else from_deb(what)
    errors = []
    for path, (k, link) in sorted(want.items()):
        got = have.get(path)
        if got is None:
            errors.append(f"missing: {path}")
        elif got[0] != k or (k == "link" and link not in (got[1], os.path.basename(got[1]))):
            errors.append(f"wrong: {path}: {got} instead of {(k, link)}")
    for path in sorted(set(have) - set(want)):
        if path.startswith("/usr/lib/.build-id/"):	# rpm's debuginfo links
            continue
        if have[path][0] == "dir" and any(p.startswith(path + "/") for p in want):
            continue
        errors.append(f"unexpected: {path} {have[path]}")
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"{len(want)} paths as expected ({', '.join(sorted(targets))})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
