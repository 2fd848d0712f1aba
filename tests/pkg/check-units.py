#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the installed systemd units and udev rules of hyperv-tools.

    check-units.py ROOT UNITDIR RULESDIR STATEDIR
    check-units.py --self-test ROOT UNITDIR RULESDIR STATEDIR

ROOT is a staged installation (DESTDIR); UNITDIR, RULESDIR and STATEDIR are
the absolute paths inside it. The checks are the promises the units make:
started by udev only (nothing a boot target waits for), bound to the device
udev tags, ConditionVirtualization=microsoft, Type=notify with a watchdog,
IgnoreOnIsolate=, KVP early and before cloud-init, VSS thawing after any
stop and without a mount namespace, aliases in place. Then
`systemd-analyze verify` must pass and print nothing: an unknown key (a
typo that silently drops a condition) is only a warning to systemd, and an
error here.

--self-test copies the tree, breaks it in each way the checks must catch,
and fails unless every broken copy is rejected.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

DAEMONS = {
    # unit: (program, unit aliases)
    "hv-kvp-daemon.service": ("hv_kvp_daemon", ["hypervkvpd.service", "hv_kvp_daemon.service"]),
    "hv-vss-daemon.service": ("hv_vss_daemon", ["hypervvssd.service", "hv_vss_daemon.service"]),
    "hv-fcopy-daemon.service": ("hv_fcopy_daemon",
                                ["hypervfcopyd.service", "hv_fcopy_daemon.service"]),
}
BOOT_TARGETS = {"default.target", "multi-user.target", "graphical.target", "basic.target",
                "sysinit.target", "local-fs.target", "network.target", "network-online.target",
                "cloud-init.target", "rescue.target", "emergency.target"}
# Options that give the service its own mount namespace. VSS must see the
# host's mounts as they are (FIFREEZE everything, skip read-only ones).
MOUNT_NS_OPTIONS = {"ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
                    "PrivateMounts", "ProtectKernelTunables", "ProtectKernelModules",
                    "ProtectKernelLogs", "ProtectControlGroups", "ProtectProc", "ProcSubset",
                    "ReadOnlyPaths", "ReadWritePaths", "InaccessiblePaths", "ExecPaths",
                    "NoExecPaths", "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths",
                    "RootDirectory", "RootImage", "MountAPIVFS", "PrivateUsers",
                    "MountFlags"}


def parse_unit(path):
    """{section: [(key, value)]}, continuation lines joined."""
    sections, cur, pending = {}, None, ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("[") and s.endswith("]"):
                cur = sections.setdefault(s[1:-1], [])
                continue
            key, _, value = s.partition("=")
            if cur is None:
                raise ValueError(f"{path}: assignment outside a section: {s}")
            cur.append((key.strip(), value.strip()))
    return sections


def values(unit, section, key):
    out = []
    for k, v in unit.get(section, []):
        if k == key:
            out.extend(v.split()) if v else out.clear()
    return out


def single(unit, section, key):
    vals = [v for k, v in unit.get(section, []) if k == key]
    return vals[-1] if vals else None


def parse_rules(rulesdir):
    """[(file, line)] with continuation lines joined."""
    out = []
    for name in sorted(os.listdir(rulesdir)):
        if not name.endswith(".rules"):
            continue
        pending = ""
        with open(os.path.join(rulesdir, name), encoding="utf-8") as f:
            for raw in f:
                line = pending + raw.rstrip("\n").strip()
                pending = ""
                if line.endswith("\\"):
                    pending = line[:-1]
                    continue
                if line and not line.startswith("#"):
                    out.append((name, line))
    return out


def escape_path(path):
    r = subprocess.run(["systemd-escape", "--path", "--suffix=device", path],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def check(root, unitdir, rulesdir, statedir):
    errors = []

    def err(msg):
        errors.append(msg)

    udir = root + unitdir
    rules = parse_rules(root + rulesdir)
    wanted = {}  # unit -> set of device unit names that pull it in
    for name, line in rules:
        for unit in re.findall(r'ENV\{SYSTEMD_WANTS\}\+?="([^"]+)"', line):
            devs = wanted.setdefault(unit, set())
            for kernel in re.findall(r'KERNEL=="([^"*?\[]+)"', line):
                devs.add(escape_path("/dev/" + kernel))
            for alias in re.findall(r'ENV\{SYSTEMD_ALIAS\}\+?="([^"]+)"', line):
                devs.add(escape_path(alias))
        # A rule with SYSTEMD_WANTS must tag the device, or systemd never sees it.
        if "SYSTEMD_WANTS" in line and 'TAG+="systemd"' not in line:
            err(f"{name}: SYSTEMD_WANTS without TAG+=\"systemd\": {line}")
    present = [u for u in DAEMONS if os.path.exists(os.path.join(udir, u))]
    if not present:
        err(f"no hyperv-tools unit in {udir}")
    for name in sorted(os.listdir(udir)) if os.path.isdir(udir) else []:
        path = os.path.join(udir, name)
        if name in DAEMONS or os.path.islink(path):
            continue
        if name.startswith("hv") or name.startswith("hyperv"):
            err(f"{name}: unexpected unit")

    for unit_name in present:
        program, aliases = DAEMONS[unit_name]
        u = parse_unit(os.path.join(udir, unit_name))
        where = unit_name

        if single(u, "Unit", "ConditionVirtualization") != "microsoft":
            err(f"{where}: needs ConditionVirtualization=microsoft")
        if single(u, "Unit", "IgnoreOnIsolate") not in ("yes", "true", "1", "on"):
            err(f"{where}: needs IgnoreOnIsolate=yes")
        binds = values(u, "Unit", "BindsTo")
        after = values(u, "Unit", "After")
        devices = [d for d in binds if d.endswith(".device")]
        if len(devices) != 1:
            err(f"{where}: must bind to exactly one device (BindsTo=)")
        for d in devices:
            if d not in after:
                err(f"{where}: BindsTo={d} without After={d}")
            if unit_name not in wanted:
                err(f"{where}: no udev rule starts it (SYSTEMD_WANTS)")
            elif d not in wanted[unit_name]:
                err(f"{where}: bound to {d}, but udev pulls it in from "
                    f"{sorted(wanted[unit_name])}")
        for key in ("Wants", "Requires", "Requisite"):
            for dep in values(u, "Unit", key):
                if dep.endswith(".device"):
                    err(f"{where}: {key}={dep}: starting it would wait for the device")
        if "Install" in u:
            for key in ("WantedBy", "RequiredBy", "UpheldBy"):
                for t in values(u, "Install", key):
                    err(f"{where}: [Install] {key}={t}: the daemon must start from udev only"
                        + (" (a boot target would wait for a device that may never come)"
                           if t in BOOT_TARGETS or t.endswith(".target") else ""))
        for d in os.listdir(udir):
            if d.endswith((".wants", ".requires")) and os.path.lexists(
                    os.path.join(udir, d, unit_name)):
                err(f"{where}: linked into {d}")

        if single(u, "Service", "Type") != "notify":
            err(f"{where}: needs Type=notify")
        wd = single(u, "Service", "WatchdogSec")
        if not wd or wd in ("0", "infinity") or not re.match(r"^\d", wd):
            err(f"{where}: needs WatchdogSec=")
        start = single(u, "Service", "ExecStart") or ""
        argv = start.lstrip("-@:+!").split()
        if not argv or os.path.basename(argv[0]) != program or "-n" not in argv[1:]:
            err(f"{where}: ExecStart= must run {program} -n, not {start!r}")

        if unit_name == "hv-kvp-daemon.service":
            if single(u, "Unit", "DefaultDependencies") not in ("no", "false", "0", "off"):
                err(f"{where}: needs DefaultDependencies=no to start before cloud-init")
            before = values(u, "Unit", "Before")
            for b in ("cloud-init-local.service", "walinuxagent.service"):
                if b not in before:
                    err(f"{where}: needs Before={b}")
            if statedir not in values(u, "Unit", "RequiresMountsFor"):
                err(f"{where}: needs RequiresMountsFor={statedir}")
            if statedir.startswith("/var/lib/") and \
                    single(u, "Service", "StateDirectory") != statedir[len("/var/lib/"):]:
                err(f"{where}: needs StateDirectory={statedir[len('/var/lib/'):]}")
            if single(u, "Service", "ProtectHostname") not in (None, "no", "false"):
                err(f"{where}: ProtectHostname= would freeze the host name it reports")
        if unit_name == "hv-vss-daemon.service":
            post = " ".join(v for k, v in u.get("Service", []) if k == "ExecStopPost")
            if "--thaw" not in post.split():
                err(f"{where}: needs ExecStopPost=... {program} --thaw")
            for k, v in u.get("Service", []):
                if k in MOUNT_NS_OPTIONS and v not in ("no", "false", "0", "off", ""):
                    err(f"{where}: {k}= gives the freezer a private mount namespace")
            if "CAP_SYS_ADMIN" not in values(u, "Service", "CapabilityBoundingSet"):
                err(f"{where}: FIFREEZE needs CAP_SYS_ADMIN")

        for alias in aliases:
            apath = os.path.join(udir, alias)
            if not os.path.islink(apath) or os.readlink(apath) != unit_name:
                err(f"{alias}: must be a symlink to {unit_name}")

    # systemd-analyze verify: exit status and every line it prints.
    if present:
        out = verify(root, udir, present)
        if out:
            err(out)
    return errors


def verify(root, udir, units):
    """Run systemd-analyze verify on a copy of root that also holds this
    machine's own units (sysinit.target and the like), so the ExecStart=
    programs are checked in the staged tree."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "root")
        shutil.copytree(root, copy, symlinks=True)
        dst = os.path.join(copy, "usr/lib/systemd/system")
        os.makedirs(dst, exist_ok=True)
        for src in ("/lib/systemd/system", "/usr/lib/systemd/system"):
            if not os.path.isdir(src):
                continue
            for name in os.listdir(src):
                s, d = os.path.join(src, name), os.path.join(dst, name)
                if os.path.isfile(s) and not os.path.lexists(d):
                    shutil.copyfile(s, d)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={copy}"]
                           + [copy + udir[len(root):] + "/" + u for u in units],
                           capture_output=True, text=True)
        out = (r.stdout + r.stderr).strip()
        if r.returncode != 0 or out:
            return f"systemd-analyze verify (exit {r.returncode}):\n{out}"
    return None


MUTATIONS = [
    ("typo in a condition", "hv-kvp-daemon.service",
     lambda s: s.replace("ConditionVirtualization=", "ConditionVirtualisation=")),
    ("pulled in by a boot target", "hv-vss-daemon.service",
     lambda s: s + "\n[Install]\nWantedBy=multi-user.target\n"),
    ("waits for a device", "hv-fcopy-daemon.service",
     lambda s: s.replace("[Unit]\n", "[Unit]\nRequires=dev-vmbus-hv_fcopy.device\n", 1)),
    ("no thaw after stop", "hv-vss-daemon.service",
     lambda s: re.sub(r"(?m)^ExecStopPost=.*$", "", s)),
    ("private mounts for the freezer", "hv-vss-daemon.service",
     lambda s: s.replace("[Service]\n", "[Service]\nProtectHome=yes\n", 1)),
    ("KVP after cloud-init", "hv-kvp-daemon.service",
     lambda s: s.replace("Before=cloud-init-local.service", "After=cloud-init-local.service")),
    ("not Type=notify", "hv-fcopy-daemon.service",
     lambda s: s.replace("Type=notify", "Type=simple")),
    ("no watchdog", "hv-kvp-daemon.service",
     lambda s: re.sub(r"(?m)^WatchdogSec=.*$", "", s)),
    ("stopped by isolate", "hv-vss-daemon.service",
     lambda s: s.replace("IgnoreOnIsolate=yes", "IgnoreOnIsolate=no")),
    ("bound to a device udev does not tag", "hv-kvp-daemon.service",
     lambda s: s.replace("dev-vmbus-hv_kvp.device", "dev-vmbus-hv_kvp0.device")),
    ("misspelt key", "hv-fcopy-daemon.service",
     lambda s: s.replace("IgnoreOnIsolate=yes", "IgnoreOnIsolate=yes\nIgnoreOnIsolation=yes")),
    ("unknown section", "hv-fcopy-daemon.service",
     lambda s: s + "\n[Servce]\nNice=1\n"),
]


def self_test(root, unitdir, rulesdir, statedir):
    base = check(root, unitdir, rulesdir, statedir)
    if base:
        print("the tree under test must pass first:\n  " + "\n  ".join(base))
        return 1
    failed = 0
    for what, unit, mutate in MUTATIONS:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "root")
            shutil.copytree(root, copy, symlinks=True)
            path = copy + os.path.join(unitdir, unit)
            if not os.path.exists(path):
                print(f"skip: {what} ({unit} not installed)")
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            broken = mutate(text)
            assert broken != text, what
            with open(path, "w", encoding="utf-8") as f:
                f.write(broken)
            errors = check(copy, unitdir, rulesdir, statedir)
            if errors:
                print(f"caught: {what}: {errors[0].splitlines()[0]}")
            else:
                print(f"MISSED: {what}")
                failed += 1
    return 1 if failed else 0


def main(argv):
    if argv and argv[0] == "--self-test":
        return self_test(*argv[1:5])
    if len(argv) != 4:
        print(__doc__)
        return 2
    errors = check(*argv)
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print("units and rules: all checks passed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
