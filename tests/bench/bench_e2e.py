#!/usr/bin/python3
"""End-to-end benchmark: ES emulator -> ece-auditd -> Kafka mock cluster + rsyslog over TCP.

Prints (never pass/fail):
  * throughput: N documents swept and delivered to both receivers with --once (events/s),
    and the agent's own CPU per event (wait4 rusage of the agent only, not the peers);
  * latency: with poll_interval 1s and settle_delay 2s, documents are posted to the emulator
    with @timestamp = now at a steady rate; the time from posting to the message's arrival
    at rsyslog gives p50/p99.
Usage: tests/bench/bench_e2e.py --builddir BUILD [--events 100000] [--latency-events 2000]
"""
import argparse, json, os, random, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait_file(path, t=30):
    end = time.time() + t
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        time.sleep(0.05)
    raise RuntimeError("timeout waiting for " + path)


def start_peers(work, build):
    procs = []
    es = subprocess.Popen([PY, os.path.join(TOP, "tests/peers/es_emulator.py"), "--port", "0", "--port-file",
                           os.path.join(work, "es.port"), "--control"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(es)
    es_url = "http://127.0.0.1:" + wait_file(os.path.join(work, "es.port"))
    ctl = os.path.join(work, "ctl"); os.mkfifo(ctl)
    km = subprocess.Popen([os.path.join(build, "tests/peers/kafka_mock"), "--bootstraps-file", os.path.join(work, "bs"),
                           "--control", ctl, "--topic", "ece-audit", "--partitions", "32"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(km)
    bs = wait_file(os.path.join(work, "bs"))
    tcp = free_port()
    os.makedirs(os.path.join(work, "out"), exist_ok=True); os.makedirs(os.path.join(work, "work"), exist_ok=True)
    subprocess.run(["sh", os.path.join(TOP, "tests/peers/gen-certs.sh"), os.path.join(work, "pki")], check=True)
    conf = open(os.path.join(TOP, "tests/peers/rsyslog/rsyslog.conf.in")).read()
    for k, v in {"DIR": work, "PKI": os.path.join(work, "pki"), "SRC": os.path.join(TOP, "tests/peers/rsyslog"),
                 "UDP_PORT": free_port(), "TCP_PORT": tcp, "TLS_PORT": free_port(), "MTLS_PORT": free_port()}.items():
        conf = conf.replace("@%s@" % k, str(v))
    open(os.path.join(work, "rs.conf"), "w").write(conf)
    rs = subprocess.Popen(["rsyslogd", "-n", "-f", os.path.join(work, "rs.conf"), "-i", os.path.join(work, "rs.pid")],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "rs.log"), "w"))
    procs.append(rs)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", tcp), 0.2).close(); break
        except OSError:
            time.sleep(0.1)
    return procs, es_url, bs, tcp


ACK_DELAY = os.environ.get("ACK_DELAY", "2s")
PAGE = int(os.environ.get("PAGE", "1000"))
OUTPUTS = os.environ.get("OUTPUTS", "both")   # attribution runs: syslog | kafka | both


def agent_conf(work, es_url, bs, tcp, poll, settle, start_at):
    outs = []
    if OUTPUTS in ("both", "syslog"):
        outs.append('''{ name = "siem"; type = "syslog"; host = "127.0.0.1"; port = %d; transport = "tcp";
    format = "cef"; ack_delay = "%s"; }''' % (tcp, ACK_DELAY))
    if OUTPUTS in ("both", "kafka"):
        outs.append('''{ name = "bus"; type = "kafka"; brokers = "%s"; topic = "ece-audit"; format = "json";
    properties = [ "linger.ms=5" ]; }''' % bs)
    path = os.path.join(work, "agent-%s.conf" % poll)
    open(path, "w").write('''
source = { url = "%s"; index = "services-logs*"; page_size = %s; poll_interval = "%s";
           settle_delay = "%s"; start_at = "%s"; };
checkpoint = { path = "%s/cp-%s.json"; };
events = { forward_read_only = true; };
outputs = ( %s );''' % (es_url, PAGE, poll, settle, start_at, work, poll, ", ".join(outs)))
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.path.join(TOP, "build"))
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--latency-events", type=int, default=2000)  # 0: skip the latency run
    a = ap.parse_args()
    agent = os.path.join(a.builddir, "ece-auditd")
    work = tempfile.mkdtemp(prefix="ece-bench-e2e.")
    procs, es_url, bs, tcp = start_peers(work, a.builddir)
    try:
        docs = os.path.join(work, "docs.ndjson")
        subprocess.run([PY, os.path.join(TOP, "tests/peers/es_load.py"), "--count", str(a.events), "--seed", "1",
                        "--out", docs], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        urllib.request.urlopen(urllib.request.Request(es_url + "/_emulator/docs", data=open(docs, "rb").read(),
                                                      method="POST")).read()
        cf = agent_conf(work, es_url, bs, tcp, "5s", "0s", "beginning")
        t = time.monotonic()
        wrap = os.environ.get("AGENT_WRAP", "").split()  # e.g. "perf record -g -o perf.data"
        p = subprocess.Popen(wrap + [agent, "--once", "-c", cf], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "a.err"), "w"))
        hwm = [0]

        def watch():   # ru_maxrss would include the forking Python's RSS (kept across exec)
            while p.poll() is None:
                try:
                    with open("/proc/%d/status" % p.pid) as f:
                        for l in f:
                            if l.startswith("VmHWM"):
                                hwm[0] = max(hwm[0], int(l.split()[1]))
                except OSError:
                    pass
                time.sleep(0.05)
        import threading
        th = threading.Thread(target=watch, daemon=True)
        th.start()
        _, st, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
        cpu = ru.ru_utime + ru.ru_stime
        print("end to end (emulator -> agent -> rsyslog TCP + Kafka), %d docs, syslog ack_delay %s:" % (a.events, ACK_DELAY))
        print("  %.0f events/s to both outputs (checkpointed), agent CPU %.2f us/event (user %.2f + sys %.2f), "
              "agent peak RSS %.1f MiB" % (a.events / wall, cpu * 1e6 / a.events, ru.ru_utime * 1e6 / a.events,
                                           ru.ru_stime * 1e6 / a.events, hwm[0] / 1024.0))
        if a.latency_events <= 0:
            return
        # latency, on an emptied emulator: it scans every stored document per search in
        # Python (Elasticsearch does not), which would otherwise add its own time
        before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
        urllib.request.urlopen(urllib.request.Request(
            es_url + "/_emulator/delete?index=services-logs*&before=" + before, data=b"", method="POST")).read()
        # latency
        cf = agent_conf(work, es_url, bs, tcp, "1s", "2s", "now")
        outf = os.path.join(work, "out", "tcp.jsonl")
        offset = os.path.getsize(outf) if os.path.exists(outf) else 0
        p = subprocess.Popen([agent, "-c", cf], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "l.err"), "w"))
        time.sleep(3)
        posted = {}
        rnd = random.Random(3)
        tmpl = [json.loads(l) for l in open(os.path.join(TOP, "tests/data/ece-samples.ndjson"))]
        seen = {}
        n = a.latency_events
        rate = 200.0
        buf = b""
        fh = None

        def scan():
            nonlocal buf, fh, offset
            if fh is None:
                if not os.path.exists(outf):
                    return
                fh = open(outf, "rb"); fh.seek(offset)
            buf += fh.read()
            *lines, buf = buf.split(b"\n")
            now = time.time()
            for l in lines:
                m = re.search(rb"externalId=([0-9a-f]{32})", l)
                if m:
                    seen.setdefault(m.group(1).decode(), now)
        for i in range(n):
            d = dict(tmpl[i % len(tmpl)])
            rid = "%032x" % rnd.getrandbits(128)
            d["request_id"] = rid
            now = time.time()
            d["@timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % int((now % 1) * 1000)
            urllib.request.urlopen(urllib.request.Request(es_url + "/_emulator/docs", data=json.dumps(d).encode() + b"\n",
                                                          method="POST")).read()
            posted[rid] = now
            time.sleep(max(0, 1 / rate - (time.time() - now)))
            if i % 50 == 0:
                scan()
        end = time.time() + 30
        while time.time() < end and len(set(posted) & set(seen)) < len(posted):
            scan(); time.sleep(0.05)
        p.terminate(); p.wait()
        lat = sorted(seen[r] - posted[r] for r in posted if r in seen)
        if lat:
            q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
            print("latency, posted -> at rsyslog, poll_interval 1s, settle_delay 2s, %d events at %.0f/s:" % (len(lat), rate))
            print("  p50 %.0f ms, p99 %.0f ms, max %.0f ms (bound poll+settle+500ms = 3500 ms); %d not seen" % (
                q(0.5) * 1000, q(0.99) * 1000, lat[-1] * 1000, len(posted) - len(lat)))
    finally:
        for pr in procs:
            pr.terminate()
        for pr in procs:
            pr.wait()
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work dir", work)


if __name__ == "__main__":
    main()
