#!/usr/bin/env python3
"""Minimal client of the guest agent (tests/hvhost/README.md, "Guest agent").

For checking a guest without the hvhost CLI (smoke-stock-qemu.sh):

  agent-client.py SOCKET wait [TIMEOUT]          until "HVAGENT READY"
  agent-client.py SOCKET exec [--timeout S] CMD  run CMD, print its output,
                                                 exit with its status

The agent socket is QEMU's chardev socket server; one client at a time.
"""
import base64
import os
import socket
import sys
import time


def connect(path, deadline):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def read_lines(s, deadline):
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("agent socket closed")
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.rstrip(b"\r").decode("ascii", "replace")


def wait_ready(path, timeout):
    deadline = time.monotonic() + timeout
    s = connect(path, deadline)
    probe = b"\nX 0 " + base64.b64encode(b"true") + b"\n"
    buf = b""
    # The banner may have gone out before we connected: probe every 2 s with
    # a no-op, which an agent that is up answers.
    while time.monotonic() < deadline:
        s.sendall(probe)
        s.settimeout(2)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            return 1
        buf += chunk
        for line in buf.split(b"\n"):
            if line.startswith(b"HVAGENT READY") or line.startswith(b"R 0 "):
                return 0
        buf = buf[buf.rfind(b"\n") + 1:]
    return 1


def execute(path, cmd, timeout):
    deadline = time.monotonic() + timeout
    s = connect(path, deadline)
    rid = str(int(time.time() * 1000) % 1000000000 + os.getpid())
    s.sendall(("\nX %s %s\n" % (rid, base64.b64encode(cmd.encode()).decode())).encode())
    for line in read_lines(s, deadline):
        parts = line.split(" ")
        if len(parts) >= 3 and parts[0] == "R" and parts[1] == rid:
            out = base64.b64decode(parts[3]) if len(parts) > 3 and parts[3] else b""
            sys.stdout.buffer.write(out)
            sys.stdout.flush()
            return int(parts[2])
    return 1


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, verb = argv[1], argv[2]
    args = argv[3:]
    try:
        if verb == "wait":
            return wait_ready(path, float(args[0]) if args else 60)
        if verb == "exec":
            timeout = 60.0
            if len(args) >= 2 and args[0] == "--timeout":
                timeout = float(args[1])
                args = args[2:]
            if args and args[0] == "--":
                args = args[1:]
            return execute(path, " ".join(args), timeout)
    except (OSError, TimeoutError, EOFError) as e:
        print("agent-client: %s" % e, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
