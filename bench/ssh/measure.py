#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Measures SSH servers already running on 127.0.0.1 (bench/ssh/run.sh starts
them) and prints one table with vcsshd's ratios and targets.

usage: measure.py NAME:PORT:LISTENER_PID:BINARY ...   (env W: the scratch dir)
Every loop is bounded in count and in time."""
import os
import statistics
import subprocess
import sys
import threading
import time

W = os.environ["W"]
KEY = os.path.join(W, "keys", "client")
LOGINS = int(os.environ.get("LOGINS", "100"))
HZ = os.sysconf("SC_CLK_TCK")
SSH = ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
       "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
       "-o", "LogLevel=ERROR", "-o", "ControlPath=none", "-i", KEY]


def ssh(port, *args, **kw):
    return subprocess.run(SSH + ["-p", str(port), "root@127.0.0.1"] + list(args),
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=kw.get("timeout", 30)).returncode


def wait_up(port):
    end = time.monotonic() + 15
    while time.monotonic() < end:
        if ssh(port, "true") == 0:
            return True
        time.sleep(0.1)
    return False


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime stime cutime cstime: the listener and every reaped descendant
    return sum(int(x) for x in fields[11:15])


def latency_ms(port, runs=30):
    for _ in range(3):
        ssh(port, "true")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        ssh(port, "true")
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def cpu_per_login_ms(port, pid):
    before = cpu_ticks(pid)
    fails = sum(ssh(port, "true") != 0 for _ in range(LOGINS))
    time.sleep(0.5)  # the last session reaped
    return (cpu_ticks(pid) - before) * 1000 / HZ / LOGINS, fails


def conn_per_s(port, clients=8, secs=10):
    ok, bad = [0] * clients, [0] * clients
    end = time.monotonic() + secs

    def worker(i):
        n = 0
        while time.monotonic() < end and n < 5000:
            if ssh(port, "true", timeout=15) == 0:
                ok[i] += 1
            else:
                bad[i] += 1
            n += 1
    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(ok) / (time.monotonic() - start), sum(bad)


def rss_pss_kb(pid):
    rss = pss = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except OSError:
                pass
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def idle_session_kb(port, pid):
    """Server-side processes of one idle `ssh host 'sleep 60'` (no pty),
    the user's own command and shell left out."""
    client = subprocess.Popen(SSH + ["-p", str(port), "root@127.0.0.1", "sleep 60"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    rss = pss = 0
    names = []
    end = time.monotonic() + 10
    while time.monotonic() < end:
        procs = descendants(pid)
        comms = {}
        for p in procs:
            try:
                with open(f"/proc/{p}/comm") as f:
                    comms[p] = f.read().strip()
            except OSError:
                pass
        if "sleep" in comms.values():
            time.sleep(0.5)  # settled
            for p, c in comms.items():
                if c in ("sleep", "bash", "sh"):
                    continue
                try:
                    r, q = rss_pss_kb(p)
                except OSError:
                    continue
                rss += r
                pss += q
                names.append(c)
            break
        time.sleep(0.1)
    client.kill()
    client.wait()
    return rss, pss, names


def bulk_mib_s(port, runs=3, size=256 << 20):
    speeds = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(SSH + ["-c", "chacha20-poly1305@openssh.com", "-p", str(port),
                                    "root@127.0.0.1", f"head -c {size} /dev/zero"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        n = 0
        while True:
            d = p.stdout.read(1 << 20)
            if not d:
                break
            n += len(d)
        p.wait(timeout=120)
        if n != size:
            return 0.0
        speeds.append(n / (1 << 20) / (time.perf_counter() - t))
    return statistics.median(speeds)


def size_kb(path):
    total = own = os.path.getsize(path)
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split("=>")
        lib = parts[1].split()[0] if len(parts) > 1 else line.split()[0]
        if lib.startswith("/"):
            total += os.path.getsize(os.path.realpath(lib))
    return own / 1000, total / 1000


def main():
    res = {}
    for spec in sys.argv[1:]:
        name, port, pid, binary = spec.split(":", 3)
        port, pid = int(port), int(pid)
        if not wait_up(port):
            print(f"{name}: no login possible on port {port}")
            return 1
        r = {}
        r["lat"] = latency_ms(port)
        r["cpu"], r["cpu_fail"] = cpu_per_login_ms(port, pid)
        r["cps"], r["cps_fail"] = conn_per_s(port)
        r["lrss"], r["lpss"] = rss_pss_kb(pid)
        r["srss"], r["spss"], r["sproc"] = idle_session_kb(port, pid)
        r["bulk"] = bulk_mib_s(port)
        r["size"], r["size_libs"] = size_kb(binary)
        res[name] = r
        print(f"measured {name}", file=sys.stderr, flush=True)

    print(f"\nvcsshd benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"client and servers on the same machine")
    rows = [
        ("ssh host true, median of 30 (ms)", "lat", "{:.1f}"),
        (f"server CPU per login, {LOGINS} logins (ms)", "cpu", "{:.2f}"),
        ("connections/s, 8 clients, 10 s", "cps", "{:.1f}"),
        ("listener RSS (kB)", "lrss", "{:d}"),
        ("listener PSS (kB)", "lpss", "{:d}"),
        ("idle session RSS (kB)", "srss", "{:d}"),
        ("idle session PSS (kB)", "spss", "{:d}"),
        ("bulk chacha20-poly1305 (MiB/s)", "bulk", "{:.1f}"),
        ("binary (kB)", "size", "{:.0f}"),
        ("binary + shared libraries (kB)", "size_libs", "{:.0f}"),
    ]
    names = list(res)
    print(f"{'':42}" + "".join(f"{n:>12}" for n in names) + f"{'vs openssh':>12}{'vs dropbear':>12}")
    v = res.get("vcsshd")
    for label, k, fmt in rows:
        line = f"{label:42}" + "".join(f"{fmt.format(res[n][k]):>12}" for n in names)
        for other in ("openssh", "dropbear"):
            if v and other in res and res[other][k]:
                line += f"{v[k] / res[other][k]:>11.2f}x"
        print(line)
    for n in names:
        r = res[n]
        print(f"  {n}: session processes {' '.join(r['sproc'])}; failed logins: "
              f"{r['cpu_fail']} of {LOGINS} sequential, {r['cps_fail']} under load")
    if not v:
        return 0
    checks = []
    if "dropbear" in res:
        checks.append(("server CPU per login <= 0.75x dropbear's",
                       v["cpu"] <= 0.75 * res["dropbear"]["cpu"]))
    checks.append(("idle session PSS < 0.5 MB", v["spss"] < 500))
    checks.append(("binary < 800 KB", v["size"] < 800))
    if "openssh" in res:
        checks.append(("bulk >= 0.5x OpenSSH's", v["bulk"] >= 0.5 * res["openssh"]["bulk"]))
    print("targets:")
    for what, ok in checks:
        print(f"  {'met ' if ok else 'MISSED'} {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
