#!/usr/bin/python3
"""check_received.py - compare what a syslog receiver wrote (JSON lines) with what was sent.

numbers FILE... --count N [--start S] [--acked F] [--hostname H] [--app A] [--pri P]
        [--msgid M] [--allow-missing] [--allow-dups]
    Messages carry "cn1=<n> msg=payload <n>" (out_driver --count). Prints
    "received= distinct= missing= duplicates= foreign= bad_fields= acked= acked_not_received="
    and exits 1 when a check fails: a number missing, a record not exactly one numbered
    message (foreign), a header field wrong, or (with --acked) a number acked but never received.
    With --lossy-receiver, missing numbers are accepted only if acked before the first
    "# connection lost" line of the acked file, and torn lines (a receiver killed mid-write)
    are counted, not failed. With --allow-torn, torn lines are counted, not failed (the
    message they held still has to arrive whole, or not be acked).
gen-vectors DIR [--no-long]
    Writes DIR/msgs.txt (one RFC 5424 message per line, for out_driver --stdin) and
    DIR/vectors.json (the expected receiver fields) for the hostile values below.
vectors FILE VECTORS.json [--skip N]
    VECTORS.json: [{"msg": <expected MSG>, "hostname":..., "app_name":..., "msgid":...}, ...];
    record i (after skipping N) must match vector i exactly. Prints one line per mismatch.
"""
import argparse
import json
import re
import sys
import time

NUM = re.compile(r'cn1=(\d+) msg=payload (\d+)(?:[a-z]*)$')


def records(paths, skip=0):
    """JSON objects, one per complete line; the first @skip lines are left out."""
    for p in paths:
        try:
            f = open(p, encoding='utf-8', errors='surrogateescape')
        except OSError:
            continue
        with f:
            for line in f:
                if skip > 0:
                    skip -= 1
                    continue
                if line.endswith('\n') and line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        # a receiver killed -9 mid-write leaves half a line, and its
                        # successor appends its first record to it: keep that record
                        yield {'_torn': line}
                        tail = line.rfind('{"', 1)
                        while tail > 0:
                            try:
                                yield json.loads(line[tail:])
                                break
                            except ValueError:
                                tail = line.rfind('{"', 1, tail)


HDR = '<110>1 2026-05-01T12:00:00.000Z drv-host ece-auditd - CEF '
# (STRUCTURED-DATA, MSG): pipes, equals, backslashes, quotes, brackets, non-ASCII (2, 3 and
# 4-byte UTF-8), an SD value with the three RFC 5424 escapes, and a 3000-byte message.
HOSTILE = [
    ('-', r'CEF:0|Elastic|ECE|0.1.0|auth.login|Login with a \| pipe|5|suser=al\=ice msg=a|b c\=d e\\f'),
    ('-', 'CEF:0|Elastic|ECE|0.1.0|deployment.update|Z\u00fcrich \u2192 \u6771\u4eac|3|'
          'suser=J\u00fcrgen msg=emoji \U0001f389 and \u00fc'),
    ('-', 'CEF:0|Elastic|ECE|0.1.0|x|quote " and [brackets] {braces}|3|'
          'msg="quoted" \'single\' <tag> & amp % %s %n'),
    (r'[ece@32473 dedupKey="q\"b\\s\]e" requestId="r-1"]', 'CEF:0|Elastic|ECE|0.1.0|x|sd|3|msg=sd test'),
    ('-', 'CEF:0|Elastic|ECE|0.1.0|x|long|3|msg=' + '\u00e4\u20ac\U0001d11ex' * 300),
]


def cmd_gen_vectors(a):
    vecs = HOSTILE[:-1] if a.no_long else HOSTILE
    with open(a.dir + '/msgs.txt', 'w', encoding='utf-8') as f:
        for sd, msg in vecs:
            f.write(HDR + sd + ' ' + msg + '\n')
    exp = [{'msg': msg, 'hostname': 'drv-host', 'app_name': 'ece-auditd', 'msgid': 'CEF'}
           for sd, msg in vecs]
    with open(a.dir + '/vectors.json', 'w', encoding='utf-8') as f:
        json.dump(exp, f, ensure_ascii=False)
    return 0


def cmd_numbers(a):
    """With --wait S, re-read until the check passes or S seconds passed (receivers write late)."""
    end = time.monotonic() + a.wait
    while True:
        lines = []
        rc = check_numbers(a, lines.append)
        if rc == 0 or time.monotonic() >= end:
            print('\n'.join(lines))
            return rc
        time.sleep(0.2)


def check_numbers(a, print):
    seen = {}
    foreign = bad = torn = 0
    first_bad = None
    for r in records(a.files, a.skip_lines):
        if '_torn' in r:
            torn += 1
            continue
        m = NUM.search(r.get('msg', ''))
        if not m or m.group(1) != m.group(2):
            foreign += 1
            first_bad = first_bad or ('foreign: %r' % r.get('msg', '')[:200])
            continue
        n = int(m.group(1))
        seen[n] = seen.get(n, 0) + 1
        for key, want in (('hostname', a.hostname), ('app_name', a.app), ('msgid', a.msgid),
                          ('pri', a.pri)):
            if want is not None and str(r.get(key)) != want:
                bad += 1
                first_bad = first_bad or ('%s=%r, expected %r' % (key, r.get(key), want))
    want = range(a.start, a.start + a.count)
    missing = [n for n in want if n not in seen]
    dups = sum(c - 1 for c in seen.values())
    outside = [n for n in seen if n < a.start or n >= a.start + a.count]
    acked = acked_missing = 0
    before_loss = set()   # acked before the driver noticed its first connection loss
    lost_seen = False
    if a.acked:
        with open(a.acked) as f:
            for line in f:
                if line.startswith('#'):
                    lost_seen = True
                elif line.strip():
                    acked += 1
                    if not lost_seen:
                        before_loss.add(int(line))
                    if int(line) not in seen:
                        acked_missing += 1
    # a receiver that dies loses what its kernel acknowledged but it never wrote; that can
    # only be what was acked before the loss: anything else missing was not resent
    not_resent = [n for n in missing if n not in before_loss]
    print('received=%d distinct=%d missing=%d duplicates=%d foreign=%d bad_fields=%d acked=%d '
          'acked_not_received=%d missing_not_acked_before_loss=%d torn_lines=%d' % (
              sum(seen.values()), len(seen), len(missing), dups, foreign + len(outside), bad,
              acked, acked_missing, len(not_resent), torn))
    if a.lossy_receiver:
        fail = foreign or outside or bad or not_resent or (dups and not a.allow_dups)
        return 1 if fail else 0
    fail = foreign or outside or bad or acked_missing or (torn and not a.allow_torn)
    fail = fail or (missing and not a.allow_missing) or (dups and not a.allow_dups)
    if missing:
        print('first missing: %s' % missing[:10])
    if first_bad:
        print(first_bad)
    return 1 if fail else 0


def cmd_vectors(a):
    with open(a.vectors, encoding='utf-8') as f:
        vecs = json.load(f)
    got = list(records(a.files))[a.skip:]
    bad = 0
    if len(got) != len(vecs):
        print('records=%d vectors=%d' % (len(got), len(vecs)))
        bad += 1
    for i, r in enumerate(got):
        if '_torn' in r:
            bad += 1
            print('record %d is not JSON: %r' % (i, r['_torn'][:200]))
    for i, (v, r) in enumerate(zip(vecs, got)):
        for key, want in v.items():
            if r.get(key) != want:
                bad += 1
                print('vector %d: %s=%r, expected %r' % (i, key, r.get(key), want))
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    n = sub.add_parser('numbers')
    n.add_argument('files', nargs='+')
    n.add_argument('--count', type=int, required=True)
    n.add_argument('--start', type=int, default=1)
    n.add_argument('--acked')
    n.add_argument('--hostname')
    n.add_argument('--app')
    n.add_argument('--msgid')
    n.add_argument('--pri')
    n.add_argument('--allow-missing', action='store_true')
    n.add_argument('--allow-dups', action='store_true')
    n.add_argument('--allow-torn', action='store_true')
    n.add_argument('--wait', type=float, default=0)
    n.add_argument('--skip-lines', type=int, default=0)
    n.add_argument('--lossy-receiver', action='store_true',
                   help='accept missing messages that were acked before the first loss '
                        '(the receiver died holding them); anything else missing fails')
    v = sub.add_parser('vectors')
    v.add_argument('files', nargs=1)
    v.add_argument('vectors')
    v.add_argument('--skip', type=int, default=0)
    g = sub.add_parser('gen-vectors')
    g.add_argument('dir')
    g.add_argument('--no-long', action='store_true')
    a = p.parse_args()
    return {'numbers': cmd_numbers, 'vectors': cmd_vectors, 'gen-vectors': cmd_gen_vectors}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
