#!/usr/bin/python3
"""kafka_check.py - verify what kcat consumed against what kafka_driver produced.

Input: lines from `kcat -C -Z -f '%k\\t%h\\t%s\\n'`. Message i (see tests/peers/kafka_driver.c) has
value "event <i> " padded with 'x' to SIZE bytes, headers ece.class=<class of i>,ece.dedup=dd-<i>,
and key req-<i> / dep-<i%7> / user-<i%5> / NULL (key mode none).
usage: kafka_check.py FILE --size N --expect START COUNT KEYMODE [--expect ...] [--allow-dups]
Prints one summary line; exit 0 when every expected message is present with the right key,
headers and body, nothing unexpected is there, and (unless --allow-dups) nothing is duplicated."""
import argparse
import collections
import sys

CLASSES = ["auth.login", "deployment.create", "deployment.update", "apikey.delete"]


def expected_key(mode, i):
    return {"request_id": "req-%d" % i, "deployment_id": "dep-%d" % (i % 7),
            "user": "user-%d" % (i % 5), "none": "NULL"}[mode]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--expect", nargs=3, action="append", required=True)
    ap.add_argument("--allow-dups", action="store_true")
    a = ap.parse_args()

    want = {}
    for start, count, mode in a.expect:
        for i in range(int(start), int(start) + int(count)):
            want[i] = mode
    seen = collections.Counter()
    bad = []
    with open(a.file, encoding="utf-8", errors="replace") as fp:
        for line in fp:
            line = line.rstrip("\n")
            parts = line.split("\t")
            if len(parts) != 3 or not parts[2].startswith("event "):
                bad.append("malformed: %r" % line[:80])
                continue
            key, hdrs, body = parts
            try:
                i = int(body.split(" ")[1])
            except (IndexError, ValueError):
                bad.append("no number: %r" % body[:40])
                continue
            seen[i] += 1
            if i not in want:
                bad.append("unexpected message %d" % i)
                continue
            prefix = "event %d " % i
            want_body = prefix + "x" * max(0, a.size - len(prefix))
            want_hdrs = "ece.class=%s,ece.dedup=dd-%d" % (CLASSES[i % 4], i)
            if key != expected_key(want[i], i):
                bad.append("message %d: key %r" % (i, key))
            if hdrs != want_hdrs:
                bad.append("message %d: headers %r" % (i, hdrs))
            if body != want_body:
                bad.append("message %d: body differs (len %d)" % (i, len(body)))
    missing = [i for i in want if seen[i] == 0]
    dups = sum(c - 1 for c in seen.values() if c > 1)
    print("expected=%d distinct=%d missing=%d duplicates=%d bad=%d" %
          (len(want), sum(1 for i in want if seen[i]), len(missing), dups, len(bad)))
    for b in bad[:10]:
        print("  " + b)
    if missing:
        print("  first missing: %s" % missing[:10])
    ok = not missing and not bad and (a.allow_dups or dups == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
