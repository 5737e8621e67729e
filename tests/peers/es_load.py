#!/usr/bin/python3
"""es_load.py - generate realistic ECE audit documents for the ES emulator.

The documents are made from the sample documents of shared/data/ece-samples.ndjson
(both shapes: API call records and adminconsole proxy log lines).  Each
generated document gets a unique 32-hex request_id, a user from a small pool,
a client address, and an increasing @timestamp, with many documents sharing
the same millisecond.  Output is deterministic for a given --seed.

  es_load.py --count 100000 --out docs.ndjson [--seed 42] [--start 2026-11-20T00:00:00Z]
             [--days 2] [--same-ts 0.25] [--burst 1500] [--wrapped]
             [--samples FILE] [--post http://127.0.0.1:PORT [--visible-after-ms N]]

--wrapped writes {"_index","_id","_source"} lines instead of raw _source lines.
--post sends the documents to a running emulator's control API instead of
(or as well as, with --out) writing a file.
"""

import argparse
import json
import os
import random
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_CANDIDATES = [
    os.path.join(HERE, "..", "data", "ece-samples.ndjson"),
    os.path.join(HERE, "..", "..", "..", "shared", "data", "ece-samples.ndjson"),
    "/work/shared/data/ece-samples.ndjson",
]

# Used only when no samples file is found: one document of each shape.
FALLBACK_TEMPLATES = [
    {"@timestamp": "2026-11-20T07:03:05.602Z", "request_id": "c0808510c90fbf7b618539bad4e91f08",
     "method": "GET", "path": "https://10.20.0.11:12443/api/v1/deployments",
     "headers": [{"name": "Host", "value": "10.20.0.11:12443"},
                 {"name": "User-Agent", "value": "python-requests/2.32.3"},
                 {"name": "X-Forwarded-For", "value": "10.30.8.21"}],
     "return_code": 200, "admin_id": "philipp"},
    {"@timestamp": "2026-11-20T07:00:31.277Z", "request_id": "4f0270b671792633e355037f6f116382",
     "method": "POST", "path": "https://10.20.0.11:12443/api/v1/users/auth/_login",
     "headers": [{"name": "Host", "value": "10.20.0.11:12443"},
                 {"name": "X-Forwarded-For", "value": "10.30.8.21"}],
     "payload": {"username": "philipp", "password": "-"}, "return_code": 401},
    {"@timestamp": "2026-11-20T07:48:26.331Z", "message": "401 Unauthorized - unknown - unknown - "
     "198.51.100.23 - 172.17.42.1 - POST 10.20.0.11:12443/api/v1/users/auth/_login HTTP/1.1 "
     "in:44 out:unknown (412 ms)", "request_url": "10.20.0.11:12443/api/v1/users/auth/_login",
     "request_method": "POST", "status_code": "401", "auth_user": "unknown",
     "request_id": "6b10ec9916098363ed51b27c0fe20e0a", "client_ip": "198.51.100.23"},
]

USERS = ["admin", "philipp", "readonly", "müller.jürgen", "王伟", "svc-backup", "anna.k",
         "ops-bot", "terraform-ci", "jane.doe", "o'brien", "root"]
CLIENT_IPS = ["10.30.8.21", "10.30.8.15", "203.0.113.77", "198.51.100.23", "192.0.2.44",
              "10.30.9.3", "2001:db8::17", "172.16.5.9"]


def load_templates(path):
    paths = [path] if path else SAMPLE_CANDIDATES
    for p in paths:
        if p and os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                return [line.strip() for line in f if line.strip()], p
    if path:
        sys.exit("es_load: %s: not found" % path)
    return [json.dumps(t, ensure_ascii=False) for t in FALLBACK_TEMPLATES], "(built-in)"


def _days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def parse_start(s):
    """YYYY-MM-DDTHH:MM:SS[.fff]Z -> epoch microseconds."""
    date, _, rest = s.rstrip("Z").partition("T")
    y, m, d = (int(x) for x in date.split("-"))
    hh, mm, ss = (rest or "00:00:00").split(":")
    sec = float(ss)
    return ((_days_from_civil(y, m, d) * 86400 + int(hh) * 3600 + int(mm) * 60) * 1_000_000
            + int(round(sec * 1_000_000)))


def fmt_ts(us, digits):
    secs, frac = divmod(us, 1_000_000)
    days, sod = divmod(secs, 86400)
    y, m, d = _civil_from_days(days)
    base = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, sod // 3600, sod // 60 % 60, sod % 60)
    if digits == 0:
        return base + "Z"
    f = "%06d" % frac
    if digits == 9:
        f += "000"
    return base + "." + f[:digits] + "Z"


def replace_in_message(msg, old, new):
    if not old or not isinstance(msg, str):
        return msg
    token = " - %s - " % old
    return msg.replace(token, " - %s - " % new, 1) if token in msg else msg


def vary(doc, rng, rid, user, ip):
    doc["request_id"] = rid
    if "admin_id" in doc:
        doc["admin_id"] = user
    payload = doc.get("payload")
    if isinstance(payload, dict) and "username" in payload:
        payload["username"] = user
    for h in doc.get("headers") or []:
        if isinstance(h, dict) and h.get("name") == "X-Forwarded-For":
            h["value"] = ip
    if "auth_user" in doc:
        if doc["auth_user"] != "unknown" or rng.random() < 0.3:
            doc["message"] = replace_in_message(doc.get("message"), doc["auth_user"], user)
            doc["auth_user"] = user
    if "client_ip" in doc:
        doc["message"] = replace_in_message(doc.get("message"), doc["client_ip"], ip)
        doc["client_ip"] = ip
    if doc.get("trace.id") == "" and rng.random() < 0.5:
        doc["trace.id"] = "%032x" % rng.getrandbits(128)
        doc["transaction.id"] = "%016x" % rng.getrandbits(64)
    return doc


def generate(count, seed, start_us, days, same_ts, burst, templates):
    """Yield (timestamp string, doc dict) in timestamp order."""
    rng = random.Random(seed)
    span_us = int(days * 86400 * 1_000_000)
    advance = max(1e-9, 1.0 - same_ts)
    mean_gap = span_us / max(1, count) / advance
    seen = set()
    ts = start_us
    burst_at = count // 2 if burst else -1
    burst_left = 0
    for i in range(count):
        if i == burst_at:
            burst_left = burst
            ts += 1000
        if burst_left > 0:
            burst_left -= 1
        elif i and rng.random() >= same_ts:
            ts += max(1000, int(rng.expovariate(1.0 / mean_gap)) // 1000 * 1000)
        r = rng.random()
        digits = 3 if r < 0.85 else (6 if r < 0.95 else (9 if r < 0.98 else 0))
        us = ts
        if digits in (6, 9) and burst_left == 0:
            us = ts + rng.randrange(1000)       # sub-millisecond digits
        if digits == 0:
            if burst_left:
                digits = 3
            else:                                # a whole second: move time forward
                ts += (-ts) % 1_000_000
                us = ts
        rid = "%032x" % rng.getrandbits(128)
        while rid in seen:
            rid = "%032x" % rng.getrandbits(128)
        seen.add(rid)
        doc = json.loads(rng.choice(templates))
        doc["@timestamp"] = fmt_ts(us, digits)
        vary(doc, rng, rid, rng.choice(USERS), rng.choice(CLIENT_IPS))
        yield doc


def post(url, lines, visible_after_ms):
    target = url.rstrip("/") + "/_emulator/docs?visible_after_ms=%d" % visible_after_ms
    total = 0
    for i in range(0, len(lines), 5000):
        chunk = "\n".join(lines[i:i + 5000]).encode("utf-8") + b"\n"
        req = urllib.request.Request(target, data=chunk, method="POST",
                                     headers={"Content-Type": "application/x-ndjson"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            total += json.load(resp)["ingested"]
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", help="output NDJSON file ('-' = stdout)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2026-11-20T00:00:00Z")
    ap.add_argument("--days", type=float, default=2.0, help="time span of the documents")
    ap.add_argument("--same-ts", type=float, default=0.25,
                    help="probability that a document repeats the previous timestamp")
    ap.add_argument("--burst", type=int, default=0,
                    help="also put this many documents on one single millisecond")
    ap.add_argument("--wrapped", action="store_true",
                    help='write {"_index","_id","_source"} lines')
    ap.add_argument("--index-prefix", default="services-logs")
    ap.add_argument("--samples", help="template documents (default: ece-samples.ndjson)")
    ap.add_argument("--post", metavar="URL", help="send to a running emulator (control API)")
    ap.add_argument("--visible-after-ms", type=int, default=0)
    a = ap.parse_args(argv)
    if not a.out and not a.post:
        ap.error("give --out FILE and/or --post URL")
    templates, src = load_templates(a.samples)
    lines = []
    for n, doc in enumerate(generate(a.count, a.seed, parse_start(a.start), a.days, a.same_ts,
                                     a.burst, templates)):
        if a.wrapped:
            ts = doc["@timestamp"]
            index = "%s-%s.%s.%s" % (a.index_prefix, ts[0:4], ts[5:7], ts[8:10])
            line = {"_index": index, "_id": "gen%017d" % n, "_source": doc}
        else:
            line = doc
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    if a.out:
        out = sys.stdout if a.out == "-" else open(a.out + ".tmp", "w", encoding="utf-8")
        out.write("\n".join(lines) + ("\n" if lines else ""))
        if out is not sys.stdout:
            out.close()
            os.replace(a.out + ".tmp", a.out)
    if a.post:
        n = post(a.post, lines, a.visible_after_ms)
        sys.stderr.write("es_load: posted %d documents to %s\n" % (n, a.post))
    if a.out and a.out != "-":
        sys.stderr.write("es_load: wrote %d documents to %s (templates: %s)\n"
                         % (len(lines), a.out, src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
