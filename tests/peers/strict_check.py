#!/usr/bin/python3
"""Strict checkers for what ece-auditd emits: RFC 5424 frames, CEF (rev 27 escaping),
LEEF 2.0, and JSON lines. Usage: strict_check.py {rfc5424-cef|rfc5424-leef|cef|leef|json} FILE
Exits 1 and names the line on the first violation; prints the number of valid messages."""
import json, re, sys

HDR5424 = re.compile(rb'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) '
                     rb'([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) ')
KEY = re.compile(r'[A-Za-z0-9]+')


def parse_sd(b):
    """Return the rest after STRUCTURED-DATA, or raise."""
    if b.startswith(b'- ') or b == b'-':
        return b[2:]
    i = 0
    ids = set()
    while i < len(b) and b[i:i + 1] == b'[':
        m = re.match(rb'\[([\x21-\x7e]{1,32}?)[ \]]', b[i:])
        if not m or any(c in m.group(1) for c in b'= ]"'):
            raise ValueError("bad SD-ID")
        sdid = m.group(1)
        if sdid in ids:
            raise ValueError("SD-ID twice")
        if b'@' not in sdid and sdid not in (b'timeQuality', b'origin', b'meta'):
            raise ValueError("private SD-ID without @PEN")
        ids.add(sdid)
        j = i + 1 + len(sdid)
        while b[j:j + 1] == b' ':
            m = re.match(rb' ([^= \]"]{1,32})="', b[j:])
            if not m:
                raise ValueError("bad SD-PARAM")
            j += len(m.group(0))
            while True:
                c = b[j:j + 1]
                if c == b'\\':
                    j += 2
                elif c == b'"':
                    j += 1
                    break
                elif c in (b']',):
                    raise ValueError("unescaped ] in PARAM-VALUE")
                elif c == b'':
                    raise ValueError("unterminated PARAM-VALUE")
                else:
                    j += 1
        if b[j:j + 1] != b']':
            raise ValueError("SD element not closed")
        i = j + 1
    if i == 0:
        raise ValueError("no STRUCTURED-DATA")
    if b[i:i + 1] == b' ':
        return b[i + 1:]
    if i == len(b):
        return b''
    raise ValueError("junk after SD")


def check_cef(s):
    if not s.startswith("CEF:0|"):
        raise ValueError("not CEF:0")
    fields, cur, i = [], "", 4
    while len(fields) < 7:
        if i >= len(s):
            raise ValueError("CEF header has fewer than 7 fields")
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in "\\|":
                raise ValueError("bad header escape")
            cur += s[i + 1]
            i += 2
            continue
        if c == "|":
            fields.append(cur)
            cur = ""
        else:
            if ord(c) < 32 or ord(c) == 127:
                raise ValueError("control char in header")
            cur += c
        i += 1
    fields = fields[1:] if fields and fields[0] == "" else fields
    ext = s[i:]
    sev = fields[-1] if fields else ""
    if not sev.isdigit() or not 0 <= int(sev) <= 10:
        raise ValueError("severity %r" % sev)
    pairs = {}
    if ext:
        # split at ' key=' boundaries; values may contain spaces
        toks = re.split(r'(?:^| )([A-Za-z0-9]+)=', ext)
        if toks[0] != "":
            raise ValueError("extension does not start with key=")
        for k, v in zip(toks[1::2], toks[2::2]):
            if k in pairs:
                raise ValueError("duplicate key %s" % k)
            j = 0
            out = ""
            while j < len(v):
                c = v[j]
                if c == "\\":
                    if j + 1 >= len(v) or v[j + 1] not in "\\=nr":
                        raise ValueError("bad extension escape in %s" % k)
                    out += {"n": "\n", "r": "\r"}.get(v[j + 1], v[j + 1])
                    j += 2
                    continue
                if c == "=":
                    raise ValueError("unescaped = in %s" % k)
                if ord(c) < 32 or ord(c) == 127:
                    raise ValueError("control char in %s" % k)
                out += c
                j += 1
            if out == "":
                raise ValueError("empty value for %s" % k)
            pairs[k] = out
    return fields, pairs


def check_leef(s):
    if not s.startswith("LEEF:2.0|"):
        raise ValueError("not LEEF:2.0")
    parts = s.split("|", 6)
    if len(parts) < 7 or parts[5] != "^":
        raise ValueError("LEEF header")
    attrs = {}
    for a in parts[6].split("^") if parts[6] else []:
        k, eq, v = a.partition("=")
        if not eq or not KEY.fullmatch(k) or v == "" or k in attrs:
            raise ValueError("bad attribute %r" % a[:40])
        if any(ord(c) < 32 for c in v):
            raise ValueError("control char in %s" % k)
        attrs[k] = v
    return attrs


def main():
    mode, path = sys.argv[1], sys.argv[2]
    n = 0
    for lineno, raw in enumerate(open(path, "rb").read().split(b"\n")[:-1], 1):
        try:
            if b"\r" in raw or b"\x00" in raw:
                raise ValueError("CR or NUL in a message")
            body = raw
            if mode.startswith("rfc5424"):
                m = HDR5424.match(raw)
                if not m or int(m.group(1)) > 191:
                    raise ValueError("bad RFC 5424 header")
                body = parse_sd(raw[m.end():])
                if body.startswith(b"\xef\xbb\xbf"):
                    raise ValueError("BOM")
            text = body.decode("utf-8")  # strict: invalid UTF-8 raises
            if mode.endswith("cef"):
                check_cef(text)
            elif mode.endswith("leef"):
                check_leef(text)
            elif mode.endswith("json"):
                o = json.loads(text)
                if not isinstance(o, dict) or "@timestamp" not in o or "event" not in o:
                    raise ValueError("JSON event lacks @timestamp/event")
        except (ValueError, UnicodeDecodeError) as e:
            print("line %d: %s: %r" % (lineno, e, raw[:200]))
            sys.exit(1)
        n += 1
    print(n)


if __name__ == "__main__":
    main()
