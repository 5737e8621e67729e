#!/usr/bin/python3
"""es_emulator.py - an emulator of the Elasticsearch 8 REST behaviour that
ece-auditd relies on.

What it emulates (see shared/es-api.md and DESIGN.md "Tailing Elasticsearch
correctly"):

  GET|HEAD /                          cluster info (version 8.15.0 by default)
  POST /<index>/_pit?keep_alive=1m    open a point in time over the visible docs
  GET|POST /_search                   search; with "pit" in the body
  GET|POST /<index>/_search           search without PIT (use_pit = false)
  DELETE /_pit                        close a point in time
  GET|POST [/<index>]/_count          count
  PUT|DELETE|HEAD /<index>            create / delete / test an index
  GET /_cluster/health, GET /_security/_authenticate

with the behaviour a tailer has to survive: PIT snapshots and keep_alive
expiry, the implicit _shard_doc tiebreaker, search_after, sort values and
formats, the real error bodies (400/401/403/404/406/429/503), Basic/ApiKey/
Bearer auth, TLS, gzip, documents that become visible late, and injected
faults (errors, dropped connections, slow answers, PIT expiry, rotating PIT
ids, partial shard failures).

Command line (all optional):

  es_emulator.py --port 0 --port-file FILE [--control]
                 [--tls-cert server.pem --tls-key server.key [--tls-client-ca ca.pem]]
                 [--user U --password P] [--api-key ID:KEY]... [--bearer-token T]...
                 [--data FILE.ndjson ...] [--index-pattern-default services-logs]
                 [--shards 2] [--mapping FIELD=TYPE]... [--dynamic-strings keyword|text]
                 [--deny-index PATTERN]... [--deny-silent] [--max-open-pits N]
                 [--default-allow-partial true|false] [--http-compression true|false]
                 [--faults JSON] [--es-version 8.15.0] [--seed N] [-v]

It binds 127.0.0.1; --port 0 takes an ephemeral port, written to --port-file
(temp file + rename) once the --data files are loaded: the file existing
means the emulator is ready.  SIGTERM/SIGINT stop it with exit status 0.

Data: NDJSON lines are either raw _source documents, which go to
<index-pattern-default>-YYYY.MM.DD after their @timestamp (UTC) with a
20-character _id derived from the line, or hit-like objects
{"_index":..,"_id":..,"_source":{..}} ("_visible_after_ms" delays one
document).  Each index has --shards shards (doc -> crc32(_id) % shards);
_shard_doc = (shard index within the PIT << 32) | doc sequence in its shard.
@timestamp is mapped as date (millisecond resolution, as ES); other fields
are mapped when first seen: strings keyword (or text + .keyword), integers
long, floats float, booleans boolean, ISO dates date.

Control API, same port, enabled by --control, never authenticated:

  POST /_emulator/docs[?visible_after_ms=N][&return_ids=true]
        body NDJSON as above; all-or-nothing (400 with details on a bad line).
        visible_after_ms: the docs become searchable N ms later (refresh
        lag, a shipper that was down: old @timestamp, late visibility).
  POST /_emulator/faults[?merge=true]     body JSON, replaces (or merges) the
        fault configuration and resets its counters; GET shows it and what was
        injected.  Keys (defaults):
          error_rate 0.0, error_codes [429,503]   HTTP errors with real bodies
              (429 es_rejected_execution / circuit_breaking, 503
              cluster_block / no_shard_available, 500, 502/504 HTML from a
              proxy, 401/403 security_exception, 404)
          drop_rate 0.0, drop_mode "close"        close without answering;
              "reset" sends a TCP RST, "partial" half a response
          slow_ms 0, slow_rate (1.0 when slow_ms is set)  delay the answer
          pit_expire_every 0       the (N+1)th search on a PIT gets the 404
                                   search_context_missing_exception, PIT gone
          rotate_pit_id false      every PIT search returns a new pit_id;
          rotate_grace_ms 2000     older ids keep working this long
          shard_failure_rate 0.0   one shard fails: 200 with _shards.failed=1
              and that shard's hits missing, or 503 when the request says
              ?allow_partial_search_results=false
          seed null                makes the random choices repeatable
          endpoints ["open_pit","search","close_pit"]  faultable endpoints
              for the rates; "root" (GET /) and "count" may be added
          queue []                 deterministic one-shot faults, consumed in
              order: {"action": "error"|"drop"|"slow"|"pit_expire"|
              "shard_failure", "endpoint": "search"|"open_pit"|"close_pit"|
              "root"|"count"|"any", "code": 429, "ms": 1000, "mode": "close",
              "times": 1}
  POST /_emulator/delete?index=PATTERN[&before=RFC3339][&field=@timestamp]
        delete docs older than `before` (delete_by_query); without `before`
        delete the whole indices (ILM).  Open PITs keep deleted docs; a PIT
        on a deleted index gets search_context_missing shard failures.
  POST /_emulator/refresh               make every pending doc visible now
  POST /_emulator/expire_pits[?id=ID]   expire all PITs (or one) now
  POST /_emulator/indices?name=N[&shards=S]   create an empty index
  GET  /_emulator/stats   {"requests": {endpoint: {status: n}} (status "drop"
        for dropped connections), "counters" (hits_served, searches,
        pits_opened/closed/expired...), "open_pits", "pits" [...],
        "indices" {name: {docs, pending, shards}}, "total_docs",
        "faults", "searches" (last 100: method, path, params, body,
        status, pit_id, pit_id_was_latest, hits, partial), "request_log"}
        Requests are recorded before their answer is sent.
  POST /_emulator/reset[?keep_docs=true]  clear docs, PITs, faults, stats

Fidelity notes: allow_partial_search_results is a URL parameter of _search
(ES rejects it in the body with parsing_exception "Unknown key for a
VALUE_BOOLEAN in [allow_partial_search_results]."), unknown URL parameters
are rejected with "contains unrecognized parameter", and bodies need a JSON
Content-Type (406 otherwise - libcurl's default form type included).
Features outside the subset answer 400 emulator_unsupported_exception.

Python 3 standard library only.  Run with /usr/bin/python3.
"""

import argparse
import base64
import bisect
import collections
import datetime
import difflib
import fnmatch
import functools
import gzip
import hashlib
import heapq
import itertools
import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python < 3.9
    zoneinfo = None

LONG_MAX = (1 << 63) - 1
LONG_MIN = -(1 << 63)
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000
MAX_RESULT_WINDOW = 10_000
DEFAULT_TRACK_TOTAL_HITS = 10_000
MAX_CONTENT_LENGTH = 100 * 1024 * 1024

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class EsError(Exception):
    """An HTTP error answer: status, JSON body (dict) and extra headers."""

    def __init__(self, status, body, headers=None, ctype=None):
        super().__init__("%d %s" % (status, body))
        self.status = status
        self.body = body
        self.headers = headers or []
        self.ctype = ctype


class DropConnection(Exception):
    """Close the connection without answering (fault injection)."""

    def __init__(self, mode="close"):
        super().__init__(mode)
        self.mode = mode


def _cause(etype, reason, **extra):
    c = {"type": etype, "reason": reason}
    c.update(extra)
    return c


def es_error(status, etype, reason, root=None, headers=None, **extra):
    """The standard ES error body: {"error": {...}, "status": N}."""
    err = {"root_cause": root if root is not None else [_cause(etype, reason, **extra)],
           "type": etype, "reason": reason}
    err.update(extra)
    return EsError(status, {"error": err, "status": status}, headers)


def validation_error(messages):
    reason = "Validation Failed: " + "".join(
        "%d: %s;" % (i + 1, m) for i, m in enumerate(messages))
    return es_error(400, "action_request_validation_exception", reason)


def illegal_argument(reason, status=400):
    return es_error(status, "illegal_argument_exception", reason)


def parsing_error(reason, line=1, col=1):
    return es_error(400, "parsing_exception", reason, line=line, col=col)


def xcontent_error(reason, line=1, col=1, caused_by=None):
    r = "[%d:%d] %s" % (line, col, reason)
    extra = {}
    if caused_by:
        extra["caused_by"] = caused_by
    return es_error(400, "x_content_parse_exception", r, **extra)


def parse_exception(reason):
    return es_error(400, "parse_exception", reason)


def shard_phase_error(status, cause, failed_shards=None, reason="all shards failed",
                      phase="query"):
    """search_phase_execution_exception as ES returns it when shards fail."""
    err = {"root_cause": [cause], "type": "search_phase_execution_exception",
           "reason": reason, "phase": phase, "grouped": True,
           "failed_shards": failed_shards or []}
    if failed_shards:
        err["caused_by"] = dict(failed_shards[0]["reason"])
    return EsError(status, {"error": err, "status": status})


def search_context_missing(ctx_id):
    """The exact body of es-api.md section 4.6."""
    return EsError(404, {
        "error": {"root_cause": [{"type": "search_context_missing_exception",
                                  "reason": "No search context found for id [%d]" % ctx_id}],
                  "type": "search_phase_execution_exception",
                  "reason": "all shards failed", "phase": "query", "grouped": True},
        "status": 404})


def index_not_found(name):
    extra = {"resource.type": "index_or_alias", "resource.id": name,
             "index_uuid": "_na_", "index": name}
    return es_error(404, "index_not_found_exception", "no such index [%s]" % name, **extra)


def simple_error(status, message):
    """The flat {"error": "...", "status": N} shape of the REST layer."""
    return EsError(status, {"error": message, "status": status})


def emulator_unsupported(what):
    return es_error(400, "emulator_unsupported_exception",
                    "es_emulator does not implement %s" % what)


# ---------------------------------------------------------------------------
# Time values ("1m", "30s") as ES TimeValue parses them
# ---------------------------------------------------------------------------

_TIME_SUFFIXES = (("nanos", 1), ("micros", 1_000), ("ms", NS_PER_MS), ("d", 86400 * NS_PER_S),
                  ("h", 3600 * NS_PER_S), ("m", 60 * NS_PER_S), ("s", NS_PER_S))


def parse_time_value(value, setting):
    """Return nanoseconds; -1 stays -1.  Raises parse_exception like ES."""
    if isinstance(value, bool) or value is None:
        raise parse_exception("failed to parse setting [%s] with value [%s] as a time value: "
                              "unit is missing or unrecognized" % (setting, value))
    s = str(value).strip().lower()
    if s in ("-1", "0"):
        return int(s)
    for suffix, mult in _TIME_SUFFIXES:
        if s.endswith(suffix):
            num = s[: -len(suffix)].strip()
            if re.fullmatch(r"-?\d+", num):
                return int(num) * mult
            if re.fullmatch(r"-?\d*\.\d+", num):
                raise parse_exception("failed to parse [%s], fractional time values are not "
                                      "supported" % value)
            break
    raise parse_exception("failed to parse setting [%s] with value [%s] as a time value: "
                          "unit is missing or unrecognized" % (setting, value))


def format_time_value(ns):
    """TimeValue.toString(): the largest unit, one decimal when needed."""
    for suffix, mult in (("d", 86400 * NS_PER_S), ("h", 3600 * NS_PER_S), ("m", 60 * NS_PER_S),
                         ("s", NS_PER_S), ("ms", NS_PER_MS), ("micros", 1000), ("nanos", 1)):
        if abs(ns) >= mult:
            v = ns / mult
            return ("%d%s" % (v, suffix)) if v == int(v) else ("%.1f%s" % (v, suffix))
    return "0s"


# ---------------------------------------------------------------------------
# Dates: ISO 8601 / RFC 3339 parsing with 0-9 fraction digits, epoch values,
# a subset of Java patterns, date math, formatting of sort values.
# All instants are integers of nanoseconds since the epoch (UTC).
# ---------------------------------------------------------------------------

def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


_MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_days(y, m):
    if m == 2 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        return 29
    return _MDAYS[m - 1]


UTC = datetime.timezone.utc
_EPOCH_NAIVE = datetime.datetime(1970, 1, 1)


def parse_tz(name):
    """time_zone parameter: Z, UTC, +01:00, -0500, or an IANA name."""
    if name is None:
        return UTC
    s = str(name).strip()
    if s in ("Z", "UTC", "GMT", "UT", "Etc/UTC"):
        return UTC
    m = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", s)
    if m:
        off = datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return datetime.timezone(-off if m.group(1) == "-" else off)
    if zoneinfo is not None:
        try:
            return zoneinfo.ZoneInfo(s)
        except Exception:
            pass
    raise illegal_argument("Unknown time-zone ID: %s" % s)


def _zone_offset_s(y, mo, d, h, mi, sec, tz):
    """Offset in seconds of local wall time in tz (UTC fast path)."""
    if tz is UTC:
        return 0
    try:
        return int(datetime.datetime(y, mo, d, h, mi, sec, tzinfo=tz).utcoffset().total_seconds())
    except (ValueError, OverflowError):
        return 0


_ISO_RE = re.compile(
    r"([+-]?\d{4,9})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})"
    r"(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?")


@functools.lru_cache(maxsize=65536)
def parse_iso(s, round_up=False, tz=UTC):
    """strict_date_optional_time(_nanos): return epoch nanos or raise ValueError.

    round_up fills missing time components the way ES does for gt/lte
    ("Missing date components" in the range query docs)."""
    m = _ISO_RE.fullmatch(s)
    if not m:
        raise ValueError(s)
    y = int(m.group(1))
    mo = int(m.group(2) or 1)
    d = int(m.group(3) or 1)
    if m.group(4) is None and m.group(8) is not None and m.group(3) is None:
        raise ValueError(s)
    h = int(m.group(4)) if m.group(4) else (23 if round_up else 0)
    mi = int(m.group(5)) if m.group(5) else (59 if round_up else 0)
    sec = int(m.group(6)) if m.group(6) else (59 if round_up else 0)
    if m.group(7):
        frac = int(m.group(7).ljust(9, "0"))
    else:
        frac = 999_999_999 if round_up else 0
    if not (1 <= mo <= 12 and 1 <= d <= _month_days(y, mo) and h <= 23 and mi <= 59 and sec <= 59):
        raise ValueError(s)
    z = m.group(8)
    if z is None:
        off = _zone_offset_s(y, mo, d, h, mi, sec, tz)
    elif z == "Z":
        off = 0
    else:
        zz = z.replace(":", "")
        off = int(zz[1:3]) * 3600 + int(zz[3:5] or 0) * 60
        if zz[0] == "-":
            off = -off
    secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off
    return secs * NS_PER_S + frac


_NUM_RE = re.compile(r"-?\d+(?:\.\d+)?")


def _epoch_to_ns(v, unit_ns):
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, int):
        return v * unit_ns
    if isinstance(v, float):
        return int(round(v * unit_ns))
    s = str(v).strip()
    if not _NUM_RE.fullmatch(s):
        raise ValueError(v)
    if "." in s:
        whole, frac = s.split(".")
        neg = whole.startswith("-")
        base = int(whole) * unit_ns
        part = int(frac[:18].ljust(18, "0")) * unit_ns // 10 ** 18
        return base - part if neg else base + part
    return int(s) * unit_ns


_ISO_FORMATS = {"strict_date_optional_time", "date_optional_time",
                "strict_date_optional_time_nanos", "strict_date_time", "date_time",
                "strict_date_time_no_millis", "date_time_no_millis", "iso8601",
                "strict_date", "date", "strict_date_hour_minute_second",
                "strict_date_hour_minute_second_millis", "strict_date_hour_minute_second_fraction"}


def _java_pattern_regex(pattern):
    """A small subset of java.time patterns -> (regex, groups)."""
    out, groups, i = [], [], 0
    tokens = {"yyyy": (r"(\d{4})", "y"), "uuuu": (r"(\d{4})", "y"), "yy": (r"(\d{2})", "yy"),
              "MM": (r"(\d{2})", "mo"), "dd": (r"(\d{2})", "d"), "HH": (r"(\d{2})", "h"),
              "mm": (r"(\d{2})", "mi"), "ss": (r"(\d{2})", "s")}
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            j = pattern.index("'", i + 1)
            out.append(re.escape(pattern[i + 1:j]))
            i = j + 1
            continue
        run = 1
        while i + run < len(pattern) and pattern[i + run] == c:
            run += 1
        tok = pattern[i:i + run]
        if tok in tokens:
            out.append(tokens[tok][0])
            groups.append(tokens[tok][1])
        elif c == "S":
            out.append(r"(\d{1,%d})" % min(run, 9))
            groups.append("frac")
        elif c in "XZx":
            out.append(r"(Z|[+-]\d{2}(?::?\d{2})?)")
            groups.append("zone")
        elif c.isalpha():
            raise ValueError("unsupported pattern letter %r" % c)
        else:
            out.append(re.escape(tok))
        i += run
    return re.compile("".join(out)), groups


_pattern_cache = {}


def _parse_java_pattern(s, pattern, round_up, tz):
    if pattern not in _pattern_cache:
        _pattern_cache[pattern] = _java_pattern_regex(pattern)
    rx, groups = _pattern_cache[pattern]
    m = rx.fullmatch(s)
    if not m:
        raise ValueError(s)
    f = dict(zip(groups, m.groups()))
    y = int(f["y"]) if "y" in f else (2000 + int(f["yy"]) if "yy" in f else 1970)
    parts = "%04d" % y
    parts += "-" + f.get("mo", "01") + "-" + f.get("d", "01")
    if "h" in f:
        parts += "T" + f["h"] + ":" + f.get("mi", "00") + ":" + f.get("s", "00")
        if "frac" in f:
            parts += "." + f["frac"]
    if "zone" in f:
        parts += f["zone"] if "h" in f else ""
    return parse_iso(parts, round_up=round_up and "h" not in f, tz=tz)


def parse_date(value, fmt=None, round_up=False, tz=UTC):
    """Parse a date the way a date field with format `fmt` does.

    Default format is strict_date_optional_time||epoch_millis.  Returns
    nanoseconds; raises ValueError when no alternative matches."""
    if fmt is None and isinstance(value, str):
        try:
            return parse_iso(value, round_up, tz)
        except ValueError:
            pass
    alts = (fmt or "strict_date_optional_time||epoch_millis").split("||")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for a in alts:
            if a == "epoch_second":
                return _epoch_to_ns(value, NS_PER_S)
            if a == "epoch_millis":
                return _epoch_to_ns(value, NS_PER_MS)
        # ES parses numbers given to a non-epoch format as their string
        value = str(value)
    s = str(value).strip()
    for a in alts:
        a = a.strip()
        try:
            if a == "epoch_millis":
                return _epoch_to_ns(s, NS_PER_MS)
            if a == "epoch_second":
                return _epoch_to_ns(s, NS_PER_S)
            if a in _ISO_FORMATS or a.startswith("strict_") or a.startswith("date"):
                return parse_iso(s, round_up=round_up, tz=tz)
            return _parse_java_pattern(s, a, round_up, tz)
        except (ValueError, IndexError):
            continue
    raise ValueError(value)


def _ns_fields(ns):
    secs, frac = divmod(ns, NS_PER_S)
    days, sod = divmod(secs, 86400)
    y, mo, d = civil_from_days(days)
    hh, rem = divmod(sod, 3600)
    mi, ss = divmod(rem, 60)
    return y, mo, d, hh, mi, ss, frac


def _year_str(y):
    if 0 <= y <= 9999:
        return "%04d" % y
    return ("+" if y > 0 else "-") + "%04d" % abs(y)


def format_iso(ns, min_digits=3, max_digits=3):
    y, mo, d, hh, mi, ss, frac = _ns_fields(ns)
    digits = ("%09d" % frac)[:max_digits]
    while len(digits) > min_digits and digits.endswith("0"):
        digits = digits[:-1]
    return "%s-%02d-%02dT%02d:%02d:%02d%sZ" % (_year_str(y), mo, d, hh, mi, ss,
                                               ("." + digits) if digits else "")


def format_date(ns, fmt):
    """Render a date sort value with a `format` (the first alternative)."""
    a = fmt.split("||")[0].strip()
    if a == "epoch_millis":
        return str(ns // NS_PER_MS)
    if a == "epoch_second":
        return str(ns // NS_PER_S)
    if a == "strict_date_optional_time_nanos":
        return format_iso(ns, 3, 9)
    if a in ("strict_date_time_no_millis", "date_time_no_millis"):
        return format_iso(ns, 0, 0)
    if a in ("strict_date", "date"):
        y, mo, d = _ns_fields(ns)[:3]
        return "%s-%02d-%02d" % (_year_str(y), mo, d)
    if a in _ISO_FORMATS:
        return format_iso(ns, 3, 3)
    # a java pattern: substitute the tokens we know
    y, mo, d, hh, mi, ss, frac = _ns_fields(ns)
    out, i = [], 0
    while i < len(a):
        c = a[i]
        if c == "'":
            j = a.index("'", i + 1)
            out.append(a[i + 1:j])
            i = j + 1
            continue
        run = 1
        while i + run < len(a) and a[i + run] == c:
            run += 1
        tok = a[i:i + run]
        rep = {"yyyy": "%04d" % y, "uuuu": "%04d" % y, "yy": "%02d" % (y % 100),
               "MM": "%02d" % mo, "dd": "%02d" % d, "HH": "%02d" % hh, "mm": "%02d" % mi,
               "ss": "%02d" % ss}.get(tok)
        if rep is None and c == "S":
            rep = ("%09d" % frac)[:run]
        elif rep is None and c in "XZx":
            rep = "Z" if c == "X" else "+0000"
        out.append(rep if rep is not None else tok)
        i += run
    return "".join(out)


# -- date math --------------------------------------------------------------

_DM_OP = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")


def _to_local(ns, tz):
    secs, sub = divmod(ns, NS_PER_S)
    if tz is UTC:
        return _EPOCH_NAIVE + datetime.timedelta(seconds=secs), sub
    aware = (datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(seconds=secs))
    return aware.astimezone(tz).replace(tzinfo=None), sub


def _from_local(dt, sub, tz):
    off = 0 if tz is UTC else int(dt.replace(tzinfo=tz).utcoffset().total_seconds())
    delta = dt - _EPOCH_NAIVE
    return (delta.days * 86400 + delta.seconds - off) * NS_PER_S + sub


def _add_months(dt, n):
    total = dt.year * 12 + (dt.month - 1) + n
    y, m = divmod(total, 12)
    return dt.replace(year=y, month=m + 1, day=min(dt.day, _month_days(y, m + 1)))


def _floor_unit(dt, sub, unit):
    if unit == "s":
        return dt, 0
    if unit == "m":
        return dt.replace(second=0), 0
    if unit in ("h", "H"):
        return dt.replace(minute=0, second=0), 0
    if unit == "d":
        return dt.replace(hour=0, minute=0, second=0), 0
    if unit == "w":
        return (dt - datetime.timedelta(days=dt.weekday())).replace(hour=0, minute=0, second=0), 0
    if unit == "M":
        return dt.replace(day=1, hour=0, minute=0, second=0), 0
    return dt.replace(month=1, day=1, hour=0, minute=0, second=0), 0


def _add_unit(dt, sub, n, unit):
    if unit == "y":
        return _add_months(dt, 12 * n), sub
    if unit == "M":
        return _add_months(dt, n), sub
    if unit == "w":
        return dt + datetime.timedelta(days=7 * n), sub
    if unit == "d":
        return dt + datetime.timedelta(days=n), sub
    if unit in ("h", "H"):
        return dt + datetime.timedelta(hours=n), sub
    if unit == "m":
        return dt + datetime.timedelta(minutes=n), sub
    return dt + datetime.timedelta(seconds=n), sub


def parse_date_math(value, now_ns, round_up=False, fmt=None, tz=UTC):
    """ES date math: now, now-5m, now/d, 2026-11-20T06:58:12.104Z||-5m/h."""
    if not isinstance(value, str):
        return parse_date(value, fmt, round_up, tz)
    s = value.strip()
    if s.startswith("now"):
        anchor, ops = now_ns, s[3:]
    elif "||" in s:
        idx = s.index("||")
        anchor, ops = parse_date(s[:idx], fmt, False, tz), s[idx + 2:]
    else:
        return parse_date(s, fmt, round_up, tz)
    if not ops:
        return anchor
    dt, sub = _to_local(anchor, tz)
    pos, rounded = 0, None
    while pos < len(ops):
        m = _DM_OP.match(ops, pos)
        if not m:
            raise ValueError("operator not supported for date math [%s]" % ops)
        pos = m.end()
        if m.group(4):
            unit = m.group(4)
            dt, sub = _floor_unit(dt, sub, unit)
            rounded = unit
        else:
            n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
            dt, sub = _add_unit(dt, sub, n, m.group(3))
    if round_up and rounded:
        up, _ = _add_unit(dt, 0, 1, rounded)
        return _from_local(up, 0, tz) - 1
    return _from_local(dt, sub, tz)


# ---------------------------------------------------------------------------
# Field access.  "a.b.c" resolves nested objects and literal dotted keys
# ({"trace.id": ...}), and arrays at any level, as ES flattens documents.
# ---------------------------------------------------------------------------

def _leaf_values(v, out):
    if v is None:
        return
    if isinstance(v, list):
        for e in v:
            _leaf_values(e, out)
    elif not isinstance(v, dict):
        out.append(v)


def _collect(obj, path, out):
    if isinstance(obj, list):
        for e in obj:
            _collect(e, path, out)
        return
    if not isinstance(obj, dict):
        return
    if path in obj:
        _leaf_values(obj[path], out)
    i = path.find(".")
    while i != -1:
        head = path[:i]
        if head in obj:
            _collect(obj[head], path[i + 1:], out)
        i = path.find(".", i + 1)


def get_values(src, path):
    out = []
    _collect(src, path, out)
    return out


def _first_value_node(src, path):
    """The first value (scalar, object or array) found at path, for mapping."""
    if isinstance(src, list):
        for e in src:
            r = _first_value_node(e, path)
            if r is not None:
                return r
        return None
    if not isinstance(src, dict):
        return None
    v = src.get(path)
    if v is not None and v != []:
        return v
    i = path.find(".")
    while i != -1:
        head = path[:i]
        if head in src:
            r = _first_value_node(src[head], path[i + 1:])
            if r is not None:
                return r
        i = path.find(".", i + 1)
    return None


# ---------------------------------------------------------------------------
# Field types and value conversion
# ---------------------------------------------------------------------------

FIELD_TYPES = ("date", "date_nanos", "keyword", "text", "long", "integer", "short", "byte",
               "double", "float", "half_float", "scaled_float", "boolean", "ip", "object")
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
INTEGRAL = {"long", "integer", "short", "byte"}
DATES = {"date", "date_nanos"}
_DATE_DETECT = re.compile(r"\d{4}-\d{2}-\d{2}(?:T.*)?")


def infer_type(v, dynamic_strings):
    if isinstance(v, list):
        for e in v:
            if e is not None:
                return infer_type(e, dynamic_strings)
        return None
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long"
    if isinstance(v, float):
        return "float"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, str):
        if _DATE_DETECT.fullmatch(v):
            try:
                parse_iso(v)
                return "date"
            except ValueError:
                pass
        return dynamic_strings
    return None


def keyword_of(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v) and abs(v) < 1e16:
        return repr(v)
    return str(v)


def convert_value(v, ftype):
    """A _source value -> the indexed value of a field of type ftype.

    Dates become epoch nanos (truncated to millis for `date`), booleans
    0/1.  Raises ValueError/TypeError when the value cannot be indexed."""
    if ftype in DATES:
        if isinstance(v, bool):
            raise ValueError(v)
        ns = parse_date(v)
        return ns if ftype == "date_nanos" else (ns // NS_PER_MS) * NS_PER_MS
    if ftype in ("keyword", "text", "ip"):
        if isinstance(v, (dict, list)):
            raise ValueError(v)
        return keyword_of(v)
    if ftype in INTEGRAL:
        if isinstance(v, bool):
            raise ValueError(v)
        if isinstance(v, (int, float)):
            return int(v)
        return int(float(str(v).strip()))
    if ftype in NUMERIC:
        if isinstance(v, bool):
            raise ValueError(v)
        return float(v)
    if ftype == "boolean":
        if v is True or v == "true":
            return 1
        if v is False or v == "false" or v == "":
            return 0
        raise ValueError(v)
    raise ValueError(v)


_SAFE_ID = re.compile(r"[A-Za-z0-9_\-.:+/=]*")


class Doc:
    """One document.  raw is the _source as UTF-8 JSON bytes, exactly as
    ingested for raw lines; tv caches indexed values per field."""
    __slots__ = ("index", "id", "raw", "shard", "seq", "visible_at", "tv", "head")

    def __init__(self, index, doc_id, raw, shard, seq, visible_at):
        self.index = index
        self.id = doc_id
        self.raw = raw
        self.shard = shard
        self.seq = seq
        self.visible_at = visible_at
        self.tv = {}
        if _SAFE_ID.fullmatch(doc_id):
            self.head = index.head_prefix + b'"' + doc_id.encode() + b'"'
        else:
            self.head = index.head_prefix + json.dumps(doc_id, ensure_ascii=False).encode()

    def source(self):
        return json.loads(self.raw)


class Index:
    def __init__(self, store, name, shards):
        self.store = store
        self.name = name
        self.nshards = max(1, int(shards))
        self.uuid = base64.urlsafe_b64encode(
            hashlib.sha1(("%s/%f" % (name, time.time())).encode()).digest()[:16]
        ).decode().rstrip("=")
        self.docs = {}          # _id -> Doc, visible, insertion order
        self.pending = {}       # _id -> Doc, not yet visible
        self.next_seq = [0] * self.nshards
        self.version = 0
        self.types = {}         # field -> type, fixed once seen (dynamic mapping)
        self.subfields = {}     # "x.keyword" -> "x" (dynamic text mode)
        self.unmapped_at = {}   # field -> version at which it was found unmapped
        self.deleted = False
        self.replaced = 0
        self.created = time.time()
        self.head_prefix = ('{"_index":%s,"_id":' % json.dumps(name, ensure_ascii=False)).encode()

    def field_type(self, field):
        """The mapping type of field in this index, or None if unmapped."""
        t = self.types.get(field)
        if t is not None:
            return t
        explicit = self.store.mapping.get(field)
        if explicit:
            self.types[field] = explicit
            return explicit
        if self.unmapped_at.get(field) == self.version:
            return None
        if field.endswith(".keyword") and self.store.dynamic_strings == "text":
            base = field[:-8]
            if self.field_type(base) == "text":
                self.types[field] = "keyword"
                self.subfields[field] = base
                return "keyword"
        for d in itertools.chain(list(self.docs.values()), list(self.pending.values())):
            node = _first_value_node(d.source(), field)
            if node is not None:
                t = infer_type(node, self.store.dynamic_strings)
                if t is not None:
                    self.types[field] = t
                    return t
        self.unmapped_at[field] = self.version
        return None

    def source_path(self, field):
        return self.subfields.get(field, field)


META_FIELDS = {"_id", "_index"}


def doc_values(doc, field, ftype):
    """Indexed values of field in doc (cached per doc)."""
    tv = doc.tv
    vals = tv.get(field)
    if vals is None:
        if field == "_id":
            vals = [doc.id]
        elif field == "_index":
            vals = [doc.index.name]
        else:
            vals = []
            for v in get_values(doc.source(), doc.index.source_path(field)):
                try:
                    vals.append(convert_value(v, ftype))
                except (ValueError, TypeError, OverflowError):
                    pass
        tv[field] = vals
    return vals


def field_type_of(doc_index, field):
    if field in META_FIELDS:
        return "keyword"
    return doc_index.field_type(field)


# ---------------------------------------------------------------------------
# The store: indices of documents, late visibility, ILM deletion
# ---------------------------------------------------------------------------

def generated_id(digest, occurrence):
    """20 characters of base64url, deterministic from the line and how many
    identical lines came before it (ES auto ids are 20 base64url chars)."""
    if occurrence:
        digest = hashlib.sha256(digest + b"\0" + str(occurrence).encode()).digest()
    return base64.urlsafe_b64encode(digest[:15]).decode()


class IngestError(Exception):
    pass


class Store:
    def __init__(self, default_prefix="services-logs", shards=2, mapping=None,
                 dynamic_strings="keyword", route_field="@timestamp"):
        self.lock = threading.RLock()
        self.default_prefix = default_prefix
        self.default_shards = shards
        self.mapping = dict(mapping or {})
        self.dynamic_strings = dynamic_strings
        self.route_field = route_field
        self.reset()

    def reset(self):
        with self.lock:
            self.indices = {}
            self.pending_heap = []     # (visible_at, n, doc)
            self.line_seen = collections.Counter()
            self.heap_n = itertools.count()
            self.version = 0

    # -- indices ------------------------------------------------------------
    def create_index(self, name, shards=None):
        with self.lock:
            idx = self.indices.get(name)
            if idx is None:
                idx = Index(self, name, shards or self.default_shards)
                self.indices[name] = idx
                self.version += 1
            return idx

    def delete_index(self, name):
        with self.lock:
            idx = self.indices.pop(name, None)
            if idx is not None:
                idx.deleted = True
                self.version += 1
            return idx

    # -- ingestion ----------------------------------------------------------
    def parse_lines(self, data):
        """NDJSON -> (entries, errors).

        Each line is either a raw _source document or a hit-like object
        {"_index":..,"_id":..,"_source":{..}} (other keys such as _score or
        sort are ignored; "_visible_after_ms" delays that one document).
        Entries are (index, id or None, raw bytes, line digest, delay, tv):
        the parsed source is dropped once the mapped fields are extracted."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        out, errors = [], []
        for lineno, line in enumerate(data.split(b"\n"), 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                errors.append("line %d: invalid JSON: %s" % (lineno, e))
                continue
            if not isinstance(obj, dict):
                errors.append("line %d: not a JSON object" % lineno)
                continue
            index = doc_id = delay = None
            if "_source" in obj:
                if not isinstance(obj["_source"], dict):
                    errors.append("line %d: _source must be an object" % lineno)
                    continue
                src = obj["_source"]
                raw = json.dumps(src, ensure_ascii=False, separators=(",", ":")).encode()
                index, doc_id, delay = obj.get("_index"), obj.get("_id"), \
                    obj.get("_visible_after_ms")
            else:
                src, raw = obj, line
            tv = {}
            for field, ftype in self.mapping.items():
                vals = []
                for v in get_values(src, field):
                    try:
                        vals.append(convert_value(v, ftype))
                    except (ValueError, TypeError, OverflowError):
                        pass
                tv[field] = vals
            if index is None:
                index = self.daily_index(src, tv)
            digest = hashlib.sha256(line).digest() if doc_id is None else None
            out.append((index, doc_id, raw, digest, delay, tv))
        return out, errors

    def daily_index(self, src, tv=None):
        ns = None
        if tv and tv.get(self.route_field) and self.mapping.get(self.route_field) in DATES:
            ns = tv[self.route_field][0]
        for v in get_values(src, self.route_field) if ns is None else ():
            try:
                ns = parse_date(v)
                break
            except (ValueError, TypeError):
                continue
        if ns is None:
            ns = time.time_ns()
        y, mo, d = civil_from_days(ns // NS_PER_S // 86400)
        return "%s-%04d.%02d.%02d" % (self.default_prefix, y, mo, d)

    def ingest(self, entries, visible_after_ms=0, now=None):
        """Add parsed entries; returns list of (index, id)."""
        now = time.time() if now is None else now
        added = []
        with self.lock:
            for index_name, doc_id, raw, digest, delay, tv in entries:
                if doc_id is None:
                    n = self.line_seen[digest]
                    self.line_seen[digest] += 1
                    doc_id = generated_id(digest, n)
                doc_id = str(doc_id)
                idx = self.indices.get(index_name) or self.create_index(index_name)
                shard = zlib.crc32(doc_id.encode("utf-8")) % idx.nshards
                seq = idx.next_seq[shard]
                idx.next_seq[shard] += 1
                ms = visible_after_ms if delay is None else delay
                vis = now + (ms or 0) / 1000.0
                doc = Doc(idx, doc_id, raw, shard, seq, vis)
                doc.tv = tv
                old = idx.docs.pop(doc_id, None) or idx.pending.pop(doc_id, None)
                if old is not None:
                    idx.replaced += 1
                if vis <= now:
                    idx.docs[doc_id] = doc
                else:
                    idx.pending[doc_id] = doc
                    heapq.heappush(self.pending_heap, (vis, next(self.heap_n), doc))
                idx.version += 1
                added.append((index_name, doc_id))
            self.version += 1
        return added

    def load(self, data, visible_after_ms=0, chunk=20000):
        """Parse and ingest NDJSON in chunks (bounded memory); all or nothing
        is not guaranteed here - used for --data files."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        total, pos = 0, 0
        while pos < len(data):
            end = data.find(b"\n", pos + chunk * 1024)
            end = len(data) if end < 0 else end + 1
            entries, errors = self.parse_lines(data[pos:end])
            if errors:
                raise IngestError("; ".join(errors[:5]))
            total += len(self.ingest(entries, visible_after_ms))
            pos = end
        return total

    def promote(self, now=None, everything=False):
        """Make pending documents whose time has come visible (a refresh)."""
        now = time.time() if now is None else now
        with self.lock:
            heap = self.pending_heap
            while heap and (everything or heap[0][0] <= now):
                _, _, doc = heapq.heappop(heap)
                idx = doc.index
                if idx.pending.get(doc.id) is doc and not idx.deleted:
                    del idx.pending[doc.id]
                    idx.docs[doc.id] = doc
                    idx.version += 1
                    self.version += 1

    def delete_docs(self, pattern, before_ns=None, field="@timestamp"):
        deleted_docs, deleted_indices = 0, []
        with self.lock:
            names = [n for n in list(self.indices) if any(
                fnmatch.fnmatchcase(n, p.strip()) for p in pattern.split(",") if p.strip())]
            for name in names:
                idx = self.indices[name]
                if before_ns is None:
                    deleted_docs += len(idx.docs) + len(idx.pending)
                    self.delete_index(name)
                    deleted_indices.append(name)
                    continue
                ftype = idx.field_type(field) or "date"
                for coll in (idx.docs, idx.pending):
                    for doc_id in [i for i, d in coll.items()
                                   if any(v < before_ns for v in doc_values(d, field, ftype))]:
                        del coll[doc_id]
                        deleted_docs += 1
                idx.version += 1
            self.version += 1
        return deleted_docs, deleted_indices

    # -- index expressions --------------------------------------------------
    def resolve(self, expr, ignore_unavailable=False, allow_no_indices=True,
                expand_hidden=False):
        """Comma separated names and wildcards ('-x' excludes) -> [Index]."""
        with self.lock:
            result = collections.OrderedDict()
            names = sorted(self.indices)
            parts = [p.strip() for p in expr.split(",")] if expr else ["_all"]
            for p in parts:
                if not p:
                    continue
                exclude = p.startswith("-") and len(result) > 0
                if exclude:
                    p = p[1:]
                if p in ("_all", "*"):
                    p = "*"
                if "*" in p:
                    for n in names:
                        if n.startswith(".") and not (p.startswith(".") or expand_hidden):
                            continue
                        if fnmatch.fnmatchcase(n, p):
                            if exclude:
                                result.pop(n, None)
                            else:
                                result[n] = self.indices[n]
                elif exclude:
                    result.pop(p, None)
                elif p in self.indices:
                    result[p] = self.indices[p]
                elif not ignore_unavailable:
                    raise index_not_found(p)
            if not result and not allow_no_indices:
                raise index_not_found(expr)
            return list(result.values())


class View:
    """A set of shards and the documents visible in them: the snapshot of a
    PIT, or the current state of the indices of a search without PIT."""

    def __init__(self, indices):
        self.indices = sorted(indices, key=lambda i: i.name)
        self.shards = [(idx, s) for idx in self.indices for s in range(idx.nshards)]
        self.shard_pos = {key: n for n, key in enumerate(self.shards)}
        docs = []
        for idx in self.indices:
            docs.extend(idx.docs.values())
        self.docs = docs
        self.sorted_cache = {}
        self.count_cache = {}
        self.lock = threading.Lock()

    def shard_doc(self, d):
        return (self.shard_pos[(d.index, d.shard)] << 32) | d.seq

    def dead_shards(self):
        return [(idx, s) for idx, s in self.shards if idx.deleted]


# ---------------------------------------------------------------------------
# Query DSL subset, compiled to predicates over Doc
# ---------------------------------------------------------------------------

class QueryContext:
    def __init__(self, now_ns):
        self.now_ns = now_ns
        self.uses_now = False


def _qerr_unknown(name):
    return es_error(400, "parsing_exception", "unknown query [%s]" % name, line=1, col=1,
                    caused_by={"type": "named_object_not_found_exception",
                               "reason": "[1:1] unknown field [%s]" % name})


def _single_field(qname, body):
    if not isinstance(body, dict):
        raise parsing_error("[%s] query malformed, no start_object after query name" % qname)
    fields = [k for k in body if k not in ("boost", "_name")]
    if len(fields) > 1:
        raise parsing_error("[%s] query doesn't support multiple fields, found [%s] and [%s]"
                            % (qname, fields[0], fields[1]))
    if not fields:
        raise parsing_error("[%s] query malformed, no field" % qname)
    return fields[0], body[fields[0]]


class _TypeCache:
    """Per-index memo of the field type and of the converted query operand."""

    def __init__(self, field, convert):
        self.field = field
        self.convert = convert
        self.by_index = {}

    def get(self, idx):
        r = self.by_index.get(idx)
        if r is None:
            t = field_type_of(idx, self.field)
            r = (t, self.convert(t) if t is not None else None)
            self.by_index[idx] = r
        return r


def _conv_operand(v, t, ctx, round_up=False, fmt=None, tz=UTC):
    """A query operand -> comparable value for a field of type t."""
    if t in DATES:
        try:
            ns = parse_date_math(v, ctx.now_ns, round_up=round_up, fmt=fmt, tz=tz)
        except ValueError:
            raise es_error(400, "parse_exception",
                           "failed to parse date field [%s] with format [%s]"
                           % (v, fmt or "strict_date_optional_time||epoch_millis"))
        if isinstance(v, str) and v.strip().startswith("now"):
            ctx.uses_now = True
        return ns if t == "date_nanos" else ns // NS_PER_MS * NS_PER_MS, ns
    if t in INTEGRAL:
        try:
            f = float(v) if not isinstance(v, bool) else None
        except (TypeError, ValueError):
            f = None
        if f is None:
            raise es_error(400, "number_format_exception", "For input string: \"%s\"" % v)
        return f, f
    if t in NUMERIC:
        try:
            return float(v), float(v)
        except (TypeError, ValueError):
            raise es_error(400, "number_format_exception", "For input string: \"%s\"" % v)
    if t == "boolean":
        if v in (True, "true"):
            return 1, 1
        if v in (False, "false", ""):
            return 0, 0
        raise illegal_argument("Can't parse boolean value [%s], expected [true] or [false]" % v)
    if t == "object":
        return None, None
    return keyword_of(v), keyword_of(v)


def compile_query(q, ctx):
    """Query DSL -> predicate(doc) -> bool, or None for match_all."""
    if q is None:
        return None
    if not isinstance(q, dict) or len(q) != 1:
        if isinstance(q, dict) and len(q) == 0:
            return None
        raise parsing_error("[_na] query malformed, must start with start_object"
                            if not isinstance(q, dict) else
                            "[%s] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"
                            % list(q)[0])
    name, body = next(iter(q.items()))
    if name == "match_all":
        return None
    if name == "match_none":
        return lambda d: False
    if name == "bool":
        return _compile_bool(body, ctx)
    if name == "constant_score":
        if not isinstance(body, dict) or "filter" not in body:
            raise parsing_error("[constant_score] requires a 'filter' element")
        return compile_query(body["filter"], ctx) or None
    if name in ("term", "match", "match_phrase"):
        field, spec = _single_field(name, body)
        if isinstance(spec, dict):
            key = "value" if name == "term" else "query"
            if key not in spec:
                raise parsing_error("[%s] query does not support [%s]" % (name, list(spec)[0]
                                                                         if spec else ""))
            spec = spec[key]
        return _compile_terms(field, [spec], ctx)
    if name == "terms":
        fields = [k for k in body if k not in ("boost", "_name")] if isinstance(body, dict) else []
        if len(fields) != 1 or not isinstance(body[fields[0]], list):
            raise parsing_error("[terms] query requires a field with an array of values")
        return _compile_terms(fields[0], body[fields[0]], ctx)
    if name == "ids":
        vals = set(str(v) for v in (body or {}).get("values", []))
        return lambda d: d.id in vals
    if name == "exists":
        if not isinstance(body, dict) or "field" not in body:
            raise parsing_error("[exists] must be provided with a [field]")
        return _compile_exists(body["field"])
    if name == "range":
        field, spec = _single_field(name, body)
        return _compile_range(field, spec, ctx)
    if name in ("prefix", "wildcard"):
        field, spec = _single_field(name, body)
        if isinstance(spec, dict):
            spec = spec.get("value", spec.get(name))
        pat = str(spec)
        if name == "prefix":
            test = lambda s, p=pat: s.startswith(p)
        else:
            rx = re.compile(fnmatch.translate(pat))
            test = lambda s, rx=rx: rx.match(s) is not None
        tc = _TypeCache(field, lambda t: None)

        def pred(d):
            t, _ = tc.get(d.index)
            if t is None:
                return False
            return any(test(keyword_of(v)) for v in doc_values(d, field, t))
        return pred
    if name in ("query_string", "simple_query_string", "nested", "script", "multi_match",
                "function_score", "knn", "geo_distance"):
        raise emulator_unsupported("the [%s] query" % name)
    raise _qerr_unknown(name)


def _clauses(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _compile_bool(body, ctx):
    if not isinstance(body, dict):
        raise parsing_error("[bool] query malformed, no start_object after query name")
    for k in body:
        if k not in ("must", "filter", "should", "must_not", "minimum_should_match", "boost",
                     "_name", "adjust_pure_negative"):
            raise parsing_error("[bool] query does not support [%s]" % k)
    must = [compile_query(c, ctx) for c in _clauses(body.get("must"))]
    must += [compile_query(c, ctx) for c in _clauses(body.get("filter"))]
    must = [p for p in must if p is not None]
    must_not = [compile_query(c, ctx) for c in _clauses(body.get("must_not"))]
    should = [compile_query(c, ctx) for c in _clauses(body.get("should"))]
    n_should = len(should)
    msm = body.get("minimum_should_match")
    if msm is None:
        need = 1 if (n_should and not (_clauses(body.get("must")) or
                                       _clauses(body.get("filter")))) else 0
    else:
        s = str(msm).strip()
        if s.endswith("%"):
            pct = int(s[:-1])
            need = (n_should * pct) // 100 if pct >= 0 else n_should - (n_should * -pct) // 100
        else:
            v = int(s)
            need = v if v >= 0 else n_should + v
        need = max(0, min(need, n_should)) if n_should else need
    if n_should == 0 and need > 0:
        return lambda d: False
    always = object()
    should = [p if p is not None else always for p in should]
    must_not_all = any(p is None for p in must_not)

    def pred(d):
        for p in must:
            if not p(d):
                return False
        if must_not_all:
            return False
        for p in must_not:
            if p(d):
                return False
        if need:
            hits = 0
            for p in should:
                if p is always or p(d):
                    hits += 1
                    if hits >= need:
                        return True
            return False
        return True
    if not must and not must_not and not need:
        return None
    return pred


def _compile_terms(field, values, ctx):
    def conv(t):
        out = set()
        for v in values:
            if t in DATES:
                out.add(_conv_operand(v, t, ctx)[0])
            elif t in NUMERIC:
                f = _conv_operand(v, t, ctx)[0]
                out.add(f)
            else:
                out.add(_conv_operand(v, t, ctx)[0])
        return out
    tc = _TypeCache(field, conv)

    def pred(d):
        t, wanted = tc.get(d.index)
        if t is None or not wanted:
            return False
        for v in doc_values(d, field, t):
            if v in wanted:
                return True
        return False
    return pred


def _compile_exists(field):
    tc = _TypeCache(field, lambda t: None)

    def pred(d):
        t, _ = tc.get(d.index)
        if t is None:
            return False
        if t == "object":
            return any(True for _ in get_values(d.source(), field)) or \
                _first_value_node(d.source(), field) is not None
        return len(doc_values(d, field, t)) > 0
    return pred


_RANGE_KEYS = {"gte", "gt", "lte", "lt", "from", "to", "include_lower", "include_upper",
               "format", "time_zone", "boost", "_name", "relation"}


def range_bounds(spec, t, ctx):
    """(lo, hi) inclusive bounds in the field's indexed units, None = open."""
    fmt = spec.get("format")
    tz = parse_tz(spec.get("time_zone")) if spec.get("time_zone") else UTC
    lo = hi = None
    lo_v, lo_inc = None, True
    hi_v, hi_inc = None, True
    if "from" in spec:
        lo_v, lo_inc = spec["from"], spec.get("include_lower", True)
    if "to" in spec:
        hi_v, hi_inc = spec["to"], spec.get("include_upper", True)
    if "gte" in spec:
        lo_v, lo_inc = spec["gte"], True
    if "gt" in spec:
        lo_v, lo_inc = spec["gt"], False
    if "lte" in spec:
        hi_v, hi_inc = spec["lte"], True
    if "lt" in spec:
        hi_v, hi_inc = spec["lt"], False
    if t in DATES:
        unit = 1 if t == "date_nanos" else NS_PER_MS
        if lo_v is not None:
            # gt rounds up, gte rounds down (ES date math rounding rules)
            lo = _conv_operand(lo_v, t, ctx, round_up=not lo_inc, fmt=fmt, tz=tz)[0]
            if not lo_inc:
                lo += unit
        if hi_v is not None:
            hi = _conv_operand(hi_v, t, ctx, round_up=hi_inc, fmt=fmt, tz=tz)[0]
            if not hi_inc:
                hi -= unit
        return lo, hi, True, True
    if lo_v is not None:
        lo = _conv_operand(lo_v, t, ctx)[0]
    if hi_v is not None:
        hi = _conv_operand(hi_v, t, ctx)[0]
    return lo, hi, lo_inc, hi_inc


def _compile_range(field, spec, ctx):
    if not isinstance(spec, dict):
        raise parsing_error("[range] query malformed, no start_object after query name")
    for k in spec:
        if k not in _RANGE_KEYS:
            raise parsing_error("[range] query does not support [%s]" % k)
    tc = _TypeCache(field, lambda t: range_bounds(spec, t, ctx) if t != "object" else None)

    def pred(d):
        t, b = tc.get(d.index)
        if t is None or b is None:
            return False
        lo, hi, lo_inc, hi_inc = b
        for v in doc_values(d, field, t):
            if lo is not None and (v < lo or (v == lo and not lo_inc)):
                continue
            if hi is not None and (v > hi or (v == hi and not hi_inc)):
                continue
            return True
        return False
    return pred


def mandatory_ranges(q, field):
    """Range specs on field that every matching document must satisfy."""
    out = []
    if not isinstance(q, dict) or len(q) != 1:
        return out
    name, body = next(iter(q.items()))
    if name == "range" and isinstance(body, dict) and field in body:
        out.append(body[field])
    elif name == "bool" and isinstance(body, dict):
        for c in _clauses(body.get("must")) + _clauses(body.get("filter")):
            out.extend(mandatory_ranges(c, field))
    elif name == "constant_score" and isinstance(body, dict):
        out.extend(mandatory_ranges(body.get("filter"), field))
    return out


# ---------------------------------------------------------------------------
# Sorting
# ---------------------------------------------------------------------------

_SORT_OPTS = {"order", "format", "missing", "mode", "unmapped_type", "numeric_type",
              "nested", "nested_path", "nested_filter"}


class SortSpec:
    def __init__(self, field, order=None, fmt=None, missing=None, mode=None,
                 unmapped_type=None, numeric_type=None, implicit=False):
        self.field = field
        self.order = order or ("desc" if field == "_score" else "asc")
        self.fmt = fmt
        self.missing = missing if missing is not None else "_last"
        self.mode = mode
        self.unmapped_type = unmapped_type
        self.numeric_type = numeric_type
        self.implicit = implicit

    def signature(self):
        return (self.field, self.order, self.fmt, json.dumps(self.missing), self.mode,
                self.unmapped_type, self.numeric_type)


def _sort_parse_error(msg, caused=None):
    return xcontent_error(msg, caused_by=caused)


def parse_sort(value):
    """The "sort" of a search body -> [SortSpec] (None when absent)."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    specs = []
    for it in items:
        if isinstance(it, str):
            specs.append(SortSpec(it))
            continue
        if not isinstance(it, dict):
            raise _sort_parse_error("[sort] malformed, expected a field name or an object "
                                    "but found [%s]" % type(it).__name__)
        for name, opts in it.items():
            if isinstance(opts, str):
                o = opts.lower()
                if o not in ("asc", "desc"):
                    raise _sort_parse_error(
                        "[sort] failed to parse field [order]",
                        _cause("illegal_argument_exception", "Unknown SortOrder [%s]" % opts))
                specs.append(SortSpec(name, o))
                continue
            if not isinstance(opts, dict):
                raise _sort_parse_error("[sort] malformed sort for field [%s]" % name)
            for k in opts:
                if k not in _SORT_OPTS:
                    raise _sort_parse_error("[field_sort] unknown field [%s]" % k)
            if any(k in opts for k in ("nested", "nested_path", "nested_filter")):
                raise emulator_unsupported("nested sorting")
            order = opts.get("order")
            if order is not None:
                if not isinstance(order, str) or order.lower() not in ("asc", "desc"):
                    raise _sort_parse_error(
                        "[field_sort] failed to parse field [order]",
                        _cause("illegal_argument_exception", "Unknown SortOrder [%s]" % order))
                order = order.lower()
            mode = opts.get("mode")
            if mode is not None and mode not in ("min", "max", "sum", "avg", "median"):
                raise _sort_parse_error("[field_sort] failed to parse field [mode]",
                                        _cause("illegal_argument_exception",
                                               "Unknown SortMode [%s]" % mode))
            nt = opts.get("numeric_type")
            if nt is not None and nt not in ("long", "double", "date", "date_nanos"):
                raise _sort_parse_error("[field_sort] failed to parse field [numeric_type]",
                                        _cause("illegal_argument_exception",
                                               "invalid value for [numeric_type], must be "
                                               "[double, long, date, date_nanos], got %s" % nt))
            specs.append(SortSpec(name, order, opts.get("format"), opts.get("missing"), mode,
                                  opts.get("unmapped_type"), nt))
    return specs


def parse_sort_param(s):
    """The ?sort=a:asc,b URL parameter."""
    specs = []
    for part in s.split(","):
        part = part.strip()
        if not part:
            continue
        if ":" in part:
            f, o = part.rsplit(":", 1)
            specs.append(SortSpec(f, o if o in ("asc", "desc") else None))
        else:
            specs.append(SortSpec(part))
    return specs


def _shard_failure(idx, shard, cause, node="emu-node-1"):
    return {"shard": shard, "index": idx.name if idx is not None else None,
            "node": node if idx is not None else None, "reason": cause}


def _all_shards_failed(view, cause, status=400):
    if not view.shards:
        return None
    idx, s = view.shards[0]
    return shard_phase_error(status, cause, [_shard_failure(idx, s, cause)])


_MODE_FUNCS = {
    "min": min, "max": max,
    "sum": lambda vs: sum(vs),
    "avg": lambda vs: sum(vs) / len(vs),
    "median": lambda vs: sorted(vs)[len(vs) // 2] if len(vs) % 2 else
    (sorted(vs)[len(vs) // 2 - 1] + sorted(vs)[len(vs) // 2]) / 2,
}


def _invert_str(s):
    """A key that sorts strings in descending (UTF-8 byte / code point) order."""
    return tuple(-ord(c) for c in s) + (1,)


class BoundSort:
    """A SortSpec resolved against a View: key(), render() and after_key()."""

    def __init__(self, spec, view):
        self.spec = spec
        self.view = view
        self.desc = spec.order == "desc"
        f = spec.field
        self.kind = "field"
        self.res = NS_PER_MS
        if f == "_shard_doc":
            self.kind = "shard_doc"
            self.type = "long"
            return
        if f == "_doc":
            self.kind = "doc"
            self.type = "long"
            return
        if f == "_score":
            self.kind = "score"
            self.type = "double"
            return
        if f == "_id":
            cause = _cause("illegal_argument_exception",
                           "Fielddata access on the _id field is disallowed, you can re-enable "
                           "it by updating the dynamic cluster setting: "
                           "indices.id_field_data.enabled")
            err = _all_shards_failed(view, cause)
            if err:
                raise err
        types = {}
        for idx in view.indices:
            t = field_type_of(idx, f)
            if t is not None:
                types.setdefault(t, idx)
        if not types:
            if spec.unmapped_type:
                types = {spec.unmapped_type: None}
            else:
                cause = _cause("query_shard_exception",
                               "No mapping found for [%s] in order to sort on" % f,
                               index_uuid=view.indices[0].uuid if view.indices else "_na_",
                               index=view.indices[0].name if view.indices else None)
                err = _all_shards_failed(view, cause)
                if err:
                    raise err
                types = {"keyword": None}
        tset = set(types)
        if "text" in tset:
            cause = _cause("illegal_argument_exception",
                           "Text fields are not optimised for operations that require "
                           "per-document field data like aggregations and sorting, so these "
                           "operations are disabled by default. Please use a keyword field "
                           "instead. Alternatively, set fielddata=true on [%s] in order to load "
                           "field data by uninverting the inverted index. Note that this can use "
                           "significant memory." % f)
            raise _all_shards_failed(view, cause) or illegal_argument(cause["reason"])
        if "object" in tset:
            raise _all_shards_failed(view, _cause(
                "illegal_argument_exception", "Field [%s] of type [object] is not supported "
                "for sorting" % f)) or illegal_argument("object sort")
        if tset <= DATES:
            self.type = "date"
            nanos = (spec.numeric_type == "date_nanos" or
                     (spec.numeric_type is None and tset == {"date_nanos"}))
            self.res = 1 if nanos else NS_PER_MS
        elif tset <= NUMERIC | {"boolean"}:
            self.type = "double" if (tset & (NUMERIC - INTEGRAL)) or \
                spec.numeric_type == "double" else "long"
        elif tset <= {"keyword", "ip"}:
            self.type = "keyword"
        else:
            kinds = sorted({"LONG" if t in INTEGRAL or t in DATES or t == "boolean" else
                            "DOUBLE" if t in NUMERIC else "STRING" for t in tset})
            if len(kinds) > 1:
                raise illegal_argument("Can't sort on field [%s]; the field has incompatible "
                                       "sort types [%s] and [%s] across shards!"
                                       % (f, kinds[0], kinds[1]))
            self.type = "long" if kinds[0] == "LONG" else "double" if kinds[0] == "DOUBLE" \
                else "keyword"
        if spec.fmt and self.type != "date":
            raise _all_shards_failed(view, _cause(
                "illegal_argument_exception", "Field [%s] of type [%s] doesn't support formats."
                % (f, sorted(tset)[0]))) or illegal_argument("format")
        self.mode = _MODE_FUNCS[spec.mode or ("max" if self.desc else "min")]
        self.missing_first = spec.missing == "_first"
        self.missing_value = None
        if spec.missing not in ("_last", "_first"):
            try:
                self.missing_value = self._conv_after(spec.missing)
            except EsError:
                raise
            except Exception:
                raise illegal_argument("failed to parse [missing] value [%s]" % spec.missing)
        if self.type == "keyword":
            self.miss_key = (-1, "") if self.missing_first else (1, "")
        elif self.type == "double":
            big = float("inf")
            self.miss_num = -big if self.missing_first != self.desc else big
        else:
            # ES substitutes Long.MAX/MIN for missing values
            self.miss_num = LONG_MIN if self.missing_first != self.desc else LONG_MAX

    # the raw (unkeyed) sort value of a document
    def value(self, d):
        k = self.kind
        if k == "shard_doc":
            return self.view.shard_doc(d)
        if k == "doc":
            return self.view.shard_doc(d)
        if k == "score":
            return 1.0
        idx = d.index
        t = field_type_of(idx, self.spec.field)
        if t is None:
            vals = ()
        else:
            vals = doc_values(d, self.spec.field, t)
        if vals:
            if self.type == "date":
                vals = [v // self.res for v in vals] if self.res != 1 else vals
            elif self.type in ("long", "double") and t in DATES:
                vals = [v // NS_PER_MS for v in vals]
            v = self.mode(vals) if len(vals) > 1 else vals[0]
            if self.type == "long" and isinstance(v, float) and self.spec.mode in ("avg", "median"):
                v = int(v)
            return v
        if self.missing_value is not None:
            return self.missing_value
        return None

    def key_of_value(self, v):
        if self.type == "keyword" and self.kind == "field":
            if v is None:
                return self.miss_key
            return (0, _invert_str(v)) if self.desc else (0, v)
        if v is None:
            v = self.miss_num
        return -v if self.desc else v

    def key(self, d):
        return self.key_of_value(self.value(d))

    def render(self, d):
        v = self.value(d)
        if self.kind != "field":
            return v
        if self.type == "keyword":
            return v
        if v is None:
            v = self.miss_num
            if isinstance(v, float):
                return "Infinity" if v > 0 else "-Infinity"
        if self.type == "date" and self.spec.fmt:
            return format_date(v * self.res, self.spec.fmt)
        return v

    def render_key(self, k, d):
        """The sort value of a hit from its sort key (cheaper than render)."""
        if self.kind in ("shard_doc", "doc"):
            return -k if self.desc else k
        if self.kind == "score":
            return 1.0
        if self.type == "keyword":
            if self.desc:
                return self.render(d)
            return k[1] if k[0] == 0 else None
        v = -k if self.desc else k
        if isinstance(v, float) and v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        if self.type == "date" and self.spec.fmt:
            return format_date(v * self.res, self.spec.fmt)
        return v

    def _conv_after(self, v):
        """A search_after / missing value -> raw sort value."""
        if self.kind in ("shard_doc", "doc"):
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                raise ValueError(v)
            return int(v)
        if self.kind == "score":
            return float(v)
        if self.type == "keyword":
            if v is None:
                return None
            return keyword_of(v)
        if v is None:
            return None
        if self.type == "date":
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return int(v)
            s = str(v)
            if re.fullmatch(r"-?\d+", s):
                return int(s)
            ns = parse_date(s, self.spec.fmt if self.spec.fmt else None)
            return ns // self.res
        if self.type == "long":
            if isinstance(v, bool):
                raise ValueError(v)
            return int(v) if not isinstance(v, str) else int(float(v))
        return float(v)

    def after_key(self, v):
        try:
            raw = self._conv_after(v)
        except (ValueError, TypeError, OverflowError):
            cause = _cause("illegal_argument_exception",
                           "Failed to parse search_after value for field [%s]." % self.spec.field)
            raise _all_shards_failed(self.view, cause) or illegal_argument(cause["reason"])
        return self.key_of_value(raw)


def sorted_view(view, specs):
    """(keys, docs) of the view ordered by specs; cached per view."""
    sig = tuple(s.signature() for s in specs)
    with view.lock:
        hit = view.sorted_cache.get(sig)
        if hit is not None:
            return hit
        bound = [BoundSort(s, view) for s in specs]
        docs = view.docs
        cols = [[b.key(d) for d in docs] for b in bound]
        keys = list(zip(*cols)) if cols else [() for _ in docs]
        try:
            order = sorted(range(len(docs)), key=keys.__getitem__)
        except TypeError:
            f = specs[0].field
            raise illegal_argument("Can't sort on field [%s]; the field has incompatible sort "
                                   "types across shards!" % f)
        result = (bound, [keys[i] for i in order], [docs[i] for i in order])
        view.sorted_cache[sig] = result
        return result


# ---------------------------------------------------------------------------
# Points in time
# ---------------------------------------------------------------------------

_PIT_MAGIC = b"\xe3\xa4\xe8\x03EMU"


class Pit:
    def __init__(self, num, view, keep_alive_ns, index_expr, ctx_base):
        self.num = num
        self.view = view
        self.keep_alive_ns = keep_alive_ns
        self.index_expr = index_expr
        self.ctx_ids = list(range(ctx_base, ctx_base + max(1, len(view.shards))))
        self.created = time.monotonic()
        self.last_access = self.created
        self.gen = 0
        self.searches = 0
        self.ids = {}            # id -> monotonic deadline (None: current id)
        self.current_id = None
        self.lock = threading.Lock()

    def expired(self, now):
        return now > self.last_access + self.keep_alive_ns / NS_PER_S

    def make_id(self, rng):
        buf = bytearray(_PIT_MAGIC)
        buf += struct.pack(">IIQ", self.num, self.gen, rng.getrandbits(64))
        buf += struct.pack(">H", len(self.view.shards))
        for (idx, shard), ctx in zip(self.view.shards, self.ctx_ids):
            name = idx.name.encode("utf-8")[:255]
            buf += bytes([len(name)]) + name + struct.pack(">HQ", shard, ctx)
            buf += idx.uuid.encode()[:22]
        return base64.urlsafe_b64encode(bytes(buf)).decode()


def pit_id_is_ours(pit_id):
    try:
        raw = base64.urlsafe_b64decode(pit_id + "=" * (-len(pit_id) % 4))
    except (ValueError, TypeError):
        return False
    return raw.startswith(_PIT_MAGIC)


# ---------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------

FAULTABLE = ("root", "open_pit", "search", "close_pit", "count")
FAULT_DEFAULTS = {
    "error_rate": 0.0, "error_codes": [429, 503], "drop_rate": 0.0, "drop_mode": "close",
    "slow_ms": 0, "slow_rate": None, "pit_expire_every": 0, "rotate_pit_id": False,
    "rotate_grace_ms": 2000, "shard_failure_rate": 0.0, "seed": None,
    "endpoints": ["open_pit", "search", "close_pit"], "queue": [],
}
_QUEUE_ACTIONS = ("error", "drop", "slow", "pit_expire", "shard_failure")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.configure({})

    def configure(self, cfg, merge=False):
        if not isinstance(cfg, dict):
            raise ValueError("fault config must be a JSON object")
        unknown = set(cfg) - set(FAULT_DEFAULTS)
        if unknown:
            raise ValueError("unknown fault keys: %s (known: %s)"
                             % (sorted(unknown), sorted(FAULT_DEFAULTS)))
        base = dict(self.cfg) if merge else json.loads(json.dumps(FAULT_DEFAULTS))
        base.update(cfg)
        for k in ("error_rate", "drop_rate", "shard_failure_rate"):
            v = base[k]
            if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ValueError("%s must be a number in [0, 1]" % k)
        if base["slow_rate"] is not None and not 0 <= base["slow_rate"] <= 1:
            raise ValueError("slow_rate must be a number in [0, 1]")
        if base["drop_mode"] not in ("close", "reset", "partial"):
            raise ValueError("drop_mode must be close, reset or partial")
        codes = base["error_codes"]
        if not isinstance(codes, list) or not codes or not all(
                isinstance(c, int) and 400 <= c <= 599 for c in codes):
            raise ValueError("error_codes must be a non-empty list of HTTP error codes")
        for e in base["endpoints"]:
            if e not in FAULTABLE:
                raise ValueError("endpoint %r not one of %s" % (e, FAULTABLE))
        queue = []
        for q in base["queue"]:
            if not isinstance(q, dict) or q.get("action") not in _QUEUE_ACTIONS:
                raise ValueError("queue entries need an action in %s" % (_QUEUE_ACTIONS,))
            extra = set(q) - {"action", "endpoint", "code", "ms", "mode", "times"}
            if extra:
                raise ValueError("unknown queue entry keys %s" % sorted(extra))
            if q.get("endpoint", "any") not in FAULTABLE + ("any",):
                raise ValueError("queue endpoint %r unknown" % q.get("endpoint"))
            e = dict(q)
            e.setdefault("times", 1)
            queue.append(e)
        base["queue"] = queue
        with self.lock:
            self.cfg = base
            self.rng = random.Random(base["seed"])
            self.injected = collections.Counter()
        return self.cfg

    def snapshot(self):
        with self.lock:
            c = json.loads(json.dumps(self.cfg))
            c["injected"] = dict(self.injected)
            return c

    def note(self, what):
        with self.lock:
            self.injected[what] += 1

    def take_queued(self, endpoint, actions):
        with self.lock:
            for i, q in enumerate(self.cfg["queue"]):
                ep = q.get("endpoint", "any")
                if q["action"] not in actions:
                    continue
                if ep == endpoint or (ep == "any" and endpoint in self.cfg["endpoints"]):
                    q["times"] -= 1
                    if q["times"] <= 0:
                        del self.cfg["queue"][i]
                    return dict(q)
        return None

    def roll(self, rate):
        if not rate:
            return False
        with self.lock:
            return self.rng.random() < rate

    def choice(self, seq):
        with self.lock:
            return self.rng.choice(seq)

    def pre_request(self, endpoint):
        """Decide the faults applied before the request is handled.

        Returns (action, arg) with action in None, "drop", "error";
        sleeps for "slow" itself."""
        q = self.take_queued(endpoint, ("drop", "error", "slow"))
        if q:
            if q["action"] == "slow":
                self.note("slow")
                time.sleep(q.get("ms", 1000) / 1000.0)
            elif q["action"] == "drop":
                self.note("drop")
                return "drop", q.get("mode", self.cfg["drop_mode"])
            else:
                self.note("error:%d" % q.get("code", 429))
                return "error", q.get("code", 429)
        cfg = self.cfg
        if endpoint not in cfg["endpoints"]:
            return None, None
        if self.roll(cfg["drop_rate"]):
            self.note("drop")
            return "drop", cfg["drop_mode"]
        if cfg["slow_ms"]:
            rate = 1.0 if cfg["slow_rate"] is None else cfg["slow_rate"]
            if self.roll(rate):
                self.note("slow")
                time.sleep(cfg["slow_ms"] / 1000.0)
        if self.roll(cfg["error_rate"]):
            code = self.choice(cfg["error_codes"])
            self.note("error:%d" % code)
            return "error", code
        return None, None


# ---------------------------------------------------------------------------
# Statistics for tests
# ---------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.by_endpoint = collections.defaultdict(collections.Counter)
            self.searches = collections.deque(maxlen=100)
            self.requests = collections.deque(maxlen=1000)
            self.counters = collections.Counter()
            self.started = time.time()

    def record(self, endpoint, method, path, status, ms):
        with self.lock:
            self.by_endpoint[endpoint][str(status)] += 1
            self.requests.append({"t": round(time.time(), 3), "endpoint": endpoint,
                                  "method": method, "path": path, "status": status,
                                  "ms": round(ms, 2)})

    def count(self, name, n=1):
        with self.lock:
            self.counters[name] += n


# ---------------------------------------------------------------------------
# Small helpers for request values
# ---------------------------------------------------------------------------

def param_bool(params, name, default=None):
    if name not in params:
        return default
    v = params[name]
    if v in ("", "true"):
        return True
    if v == "false":
        return False
    raise illegal_argument("Failed to parse value [%s] only [true] or [false] are allowed." % v)


def param_int(params, name):
    try:
        return int(params[name])
    except ValueError:
        raise illegal_argument("Failed to parse int parameter [%s] with value [%s]"
                               % (name, params[name]))


def body_int(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
        if isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
            return int(v)
        raise xcontent_error("[search_source] %s doesn't support values of type: %s"
                             % (name, "VALUE_STRING" if isinstance(v, str) else
                                "VALUE_BOOLEAN" if isinstance(v, bool) else "START_OBJECT"))
    return int(v)


def _json_value_token(v):
    if isinstance(v, bool):
        return "VALUE_BOOLEAN"
    if isinstance(v, (int, float)):
        return "VALUE_NUMBER"
    if isinstance(v, str):
        return "VALUE_STRING"
    if v is None:
        return "VALUE_NULL"
    if isinstance(v, list):
        return "START_ARRAY"
    return "START_OBJECT"


def _key_location(raw, key):
    """(line, col) of "key" in the raw body text, for parsing_exception."""
    i = raw.find('"%s"' % key)
    if i < 0:
        return 1, 1
    line = raw.count("\n", 0, i) + 1
    col = i - (raw.rfind("\n", 0, i) + 1) + 1
    # ES reports the location of the value token following the key
    j = raw.find(":", i)
    if j >= 0:
        k = j + 1
        while k < len(raw) and raw[k] in " \t\r\n":
            k += 1
        line = raw.count("\n", 0, k) + 1
        col = k - (raw.rfind("\n", 0, k) + 1) + 1
    return line, col


SEARCH_BODY_KEYS = {
    # supported
    "query", "size", "from", "sort", "search_after", "pit", "track_total_hits", "_source",
    "post_filter", "timeout", "terminate_after", "version", "seq_no_primary_term",
    "explain", "track_scores", "stats", "profile", "min_score", "ext",
}
SEARCH_BODY_UNSUPPORTED = {
    "aggs", "aggregations", "highlight", "suggest", "rescore", "collapse", "slice",
    "script_fields", "runtime_mappings", "knn", "rank", "retriever", "fields",
    "docvalue_fields", "stored_fields", "indices_boost", "sub_searches",
}


def filter_source(src, includes, excludes):
    """_source includes/excludes with wildcards on full dotted paths."""
    def matches(path, pats):
        return any(fnmatch.fnmatchcase(path, p) for p in pats)

    def walk(obj, prefix, inc_all):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                p = prefix + k
                if excludes and matches(p, excludes):
                    continue
                ia = inc_all or not includes or matches(p, includes)
                if isinstance(v, (dict, list)):
                    sub = walk(v, p + ".", ia)
                    if ia or sub:
                        out[k] = sub
                elif ia:
                    out[k] = v
            return out
        if isinstance(obj, list):
            out = []
            for e in obj:
                if isinstance(e, (dict, list)):
                    sub = walk(e, prefix, inc_all)
                    if inc_all or sub:
                        out.append(sub)
                elif inc_all:
                    out.append(e)
            return out
        return obj
    return walk(src, "", False)


def parse_source_option(v):
    """_source body value -> (fetch, includes, excludes)."""
    if v is None or v is True:
        return True, [], []
    if v is False:
        return False, [], []
    if isinstance(v, str):
        return True, [v], []
    if isinstance(v, list):
        return True, [str(x) for x in v], []
    if isinstance(v, dict):
        inc = v.get("includes", v.get("include", []))
        exc = v.get("excludes", v.get("exclude", []))
        inc = [inc] if isinstance(inc, str) else list(inc or [])
        exc = [exc] if isinstance(exc, str) else list(exc or [])
        return True, inc, exc
    raise xcontent_error("[_source] failed to parse field [_source]")


def apply_filter_path(obj, spec):
    """A subset of ES filter_path: dotted paths with * and ** wildcards."""
    pats = [p.strip().split(".") for p in spec.split(",") if p.strip() and
            not p.strip().startswith("-")]
    if not pats:
        return obj

    def keep(o, pats):
        if any(len(p) == 0 for p in pats):
            return o
        if isinstance(o, list):
            out = [keep(e, pats) for e in o]
            return [e for e in out if e is not None]
        if not isinstance(o, dict):
            return None
        out = {}
        for k, v in o.items():
            rest = []
            for p in pats:
                if p[0] == "**":
                    rest.append(p)           # ** may consume this level
                    rest.append(p[1:])       # or nothing
                    if len(p) > 1 and fnmatch.fnmatchcase(k, p[1]):
                        rest.append(p[2:])
                elif fnmatch.fnmatchcase(k, p[0]):
                    rest.append(p[1:])
            if rest:
                sub = keep(v, rest)
                if sub is not None and (sub != {} or any(len(r) == 0 for r in rest)):
                    out[k] = sub
        return out if out else None
    r = keep(obj, pats)
    return r if r is not None else {}


# ---------------------------------------------------------------------------
# The emulator: ES endpoints
# ---------------------------------------------------------------------------

GLOBAL_PARAMS = {"pretty", "human", "error_trace", "filter_path", "source",
                 "source_content_type"}
INDICES_OPTIONS = {"ignore_unavailable", "allow_no_indices", "expand_wildcards",
                   "ignore_throttled"}
SEARCH_PARAMS = INDICES_OPTIONS | {
    "allow_partial_search_results", "analyzer", "analyze_wildcard", "batched_reduce_size",
    "ccs_minimize_roundtrips", "default_operator", "df", "docvalue_fields", "explain", "from",
    "include_named_queries_score", "lenient", "max_concurrent_shard_requests",
    "pre_filter_shard_size", "preference", "q", "request_cache", "rest_total_hits_as_int",
    "routing", "scroll", "search_type", "seq_no_primary_term", "size", "sort", "_source",
    "_source_excludes", "_source_includes", "stats", "stored_fields", "suggest_field",
    "suggest_mode", "suggest_size", "suggest_text", "terminate_after", "timeout",
    "track_scores", "track_total_hits", "typed_keys", "version", "force_synthetic_source",
    "min_compatible_shard_node", "enable_fields_emulation"}
OPEN_PIT_PARAMS = INDICES_OPTIONS | {"keep_alive", "routing", "preference",
                                     "max_concurrent_shard_requests"}
COUNT_PARAMS = INDICES_OPTIONS | {"q", "df", "analyzer", "default_operator", "lenient",
                                  "analyze_wildcard", "min_score", "preference", "routing",
                                  "terminate_after"}
_DEFAULT_INDICES_OPTIONS = {"ignore_unavailable": "false", "allow_no_indices": "true",
                            "expand_wildcards": "open", "ignore_throttled": "false"}


class Request:
    """One HTTP request as the endpoint handlers see it."""

    def __init__(self, method, uri, headers, body):
        self.method = method
        self.uri = uri
        parts = urllib.parse.urlsplit(uri)
        self.path = parts.path
        self.params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.principal = None      # ("user", name) or ("api_key", id)
        self._json = None
        self._parsed = False

    @property
    def text(self):
        if self.body:
            try:
                return self.body.decode("utf-8")
            except UnicodeDecodeError:
                raise parsing_error("Invalid UTF-8 start byte in request body")
        src = self.params.get("source")
        return src or ""

    def json_body(self, required=False):
        if self._parsed:
            return self._json
        txt = self.text
        if not txt.strip():
            if required:
                raise parsing_error("request body is required")
            self._json = None
        else:
            try:
                self._json = json.loads(txt)
            except ValueError as e:
                line = getattr(e, "lineno", 1)
                col = getattr(e, "colno", 1)
                msg = getattr(e, "msg", str(e))
                raise parsing_error("[%d:%d] Unexpected character or malformed JSON: %s"
                                    % (line, col, msg), line, col)
        self._parsed = True
        return self._json


class Emulator:
    def __init__(self, args):
        self.args = args
        self.version = args.es_version
        self.store = Store(args.index_pattern_default, args.shards, args.mapping,
                           args.dynamic_strings)
        self.faults = Faults()
        self.stats = Stats()
        self.lock = threading.RLock()
        self.pits = {}            # num -> Pit
        self.pit_ids = {}         # id -> Pit
        self.pit_num = itertools.count(1)
        self.ctx_counter = 100
        self.id_rng = random.Random(args.seed)
        self.view_cache = collections.OrderedDict()
        self.users = {}
        if args.user is not None:
            self.users[args.user] = args.password or ""
        self.api_keys = {}
        for k in args.api_key or []:
            kid, _, secret = k.partition(":")
            self.api_keys[kid] = secret
        self.bearer = set(args.bearer_token or [])
        self.auth_enabled = bool(self.users or self.api_keys or self.bearer)
        self.deny = list(args.deny_index or [])
        node_seed = hashlib.sha1(args.cluster_name.encode()).digest()
        self.cluster_uuid = base64.urlsafe_b64encode(node_seed[:16]).decode().rstrip("=")
        self.node_id = base64.urlsafe_b64encode(node_seed[4:20]).decode().rstrip("=")

    # -- helpers ------------------------------------------------------------
    def version_at_least(self, v):
        def t(s):
            return tuple(int(x) for x in re.findall(r"\d+", s)[:3])
        return t(self.version) >= t(v)

    def check_params(self, req, allowed):
        allowed = allowed | GLOBAL_PARAMS
        bad = [p for p in req.params if p not in allowed]
        if not bad:
            return
        parts = []
        for p in bad:
            close = difflib.get_close_matches(p, sorted(allowed), n=1, cutoff=0.7)
            parts.append("[%s]" % p + (" -> did you mean [%s]?" % close[0] if close else ""))
        raise illegal_argument("request [%s] contains unrecognized parameter%s: %s"
                               % (req.path, "s" if len(bad) > 1 else "", ", ".join(parts)))

    def principal_name(self, req):
        if req.principal is None:
            return "_anonymous"
        return req.principal[1]

    def check_deny(self, req, expr, indices, action):
        if not self.deny:
            return indices
        denied = {i.name for i in indices if any(fnmatch.fnmatchcase(i.name, d)
                                                for d in self.deny)}
        parts = [p.strip() for p in (expr or "").split(",") if p.strip() not in ("", "_all")]
        explicit = [p for p in parts if "*" not in p and not p.startswith("-") and
                    any(fnmatch.fnmatchcase(p, d) for d in self.deny)]
        wild = [p for p in parts if "*" in p and any(fnmatch.fnmatchcase(n, p) for n in denied)]
        wild += [p for p in parts if "*" in p and any(fnmatch.fnmatchcase(p, d)
                                                      for d in self.deny)]
        # _all / no index: denied indices are skipped silently, as ES does
        if explicit or (wild and not self.args.deny_silent):
            names = ",".join(explicit or sorted(set(wild)) or sorted(denied))
            raise self.forbidden(req, action, names)
        return [i for i in indices if i.name not in denied]

    def forbidden(self, req, action, names):
        if req.principal and req.principal[0] == "api_key":
            who = "API key id [%s] of user [%s]" % (req.principal[1], self.args.api_key_owner)
        else:
            who = "user [%s] with effective roles [%s]" % (self.principal_name(req),
                                                           self.args.roles)
        reason = ("action [%s] is unauthorized for %s on indices [%s], this action is granted "
                  "by the index privileges [read,all]" % (action, who, names))
        return es_error(403, "security_exception", reason)

    def indices_options(self, req):
        p = req.params
        return dict(ignore_unavailable=param_bool(p, "ignore_unavailable", False),
                    allow_no_indices=param_bool(p, "allow_no_indices", True),
                    expand_hidden=any(w in ("all", "hidden") for w in
                                      p.get("expand_wildcards", "open").split(",")))

    def current_view(self, indices):
        """A View of the visible docs now; cached while nothing changes."""
        self.store.promote()
        key = tuple((id(i), i.version) for i in indices)
        with self.lock:
            v = self.view_cache.get(key)
            if v is not None and all(not i.deleted for i in indices):
                self.view_cache.move_to_end(key)
                return v
            with self.store.lock:
                v = View(indices)
            self.view_cache[key] = v
            while len(self.view_cache) > 6:
                self.view_cache.popitem(last=False)
            return v

    # -- GET / ----------------------------------------------------------------
    def root(self, req):
        self.check_params(req, set())
        return 200, {
            "name": self.args.node_name,
            "cluster_name": self.args.cluster_name,
            "cluster_uuid": self.cluster_uuid,
            "version": {
                "number": self.version,
                "build_flavor": "default",
                "build_type": "docker",
                "build_hash": hashlib.sha1(self.version.encode()).hexdigest(),
                "build_date": "2024-08-05T10:05:34.233336849Z",
                "build_snapshot": False,
                "lucene_version": "9.11.1",
                "minimum_wire_compatibility_version": "7.17.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def cluster_health(self, req):
        with self.store.lock:
            n = sum(i.nshards for i in self.store.indices.values())
        return 200, {"cluster_name": self.args.cluster_name, "status": "green",
                     "timed_out": False, "number_of_nodes": 1, "number_of_data_nodes": 1,
                     "active_primary_shards": n, "active_shards": n, "relocating_shards": 0,
                     "initializing_shards": 0, "unassigned_shards": 0,
                     "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
                     "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
                     "active_shards_percent_as_number": 100.0}

    def authenticate(self, req):
        p = req.principal
        if p and p[0] == "api_key":
            return 200, {"username": self.args.api_key_owner, "roles": [],
                         "full_name": None, "email": None, "metadata": {}, "enabled": True,
                         "authentication_realm": {"name": "_es_api_key", "type": "_es_api_key"},
                         "lookup_realm": {"name": "_es_api_key", "type": "_es_api_key"},
                         "authentication_type": "api_key",
                         "api_key": {"id": p[1], "name": "ece-auditd"}}
        name = self.principal_name(req)
        return 200, {"username": name, "roles": self.args.roles.split(","),
                     "full_name": None, "email": None, "metadata": {}, "enabled": True,
                     "authentication_realm": {"name": "default_native", "type": "native"},
                     "lookup_realm": {"name": "default_native", "type": "native"},
                     "authentication_type": "token" if p and p[0] == "bearer" else "realm"}

    # -- index admin --------------------------------------------------------------
    def put_index(self, req, name):
        body = req.json_body() or {}
        settings = body.get("settings", {}) if isinstance(body, dict) else {}
        shards = settings.get("number_of_shards",
                              settings.get("index", {}).get("number_of_shards"))
        if name.startswith("_") or name != name.lower() or name in (".", ".."):
            raise es_error(400, "invalid_index_name_exception",
                           "Invalid index name [%s], must be lowercase" % name,
                           index_uuid="_na_", index=name)
        with self.store.lock:
            if name in self.store.indices:
                idx = self.store.indices[name]
                raise es_error(400, "resource_already_exists_exception",
                               "index [%s/%s] already exists" % (name, idx.uuid),
                               index_uuid=idx.uuid, index=name)
            self.store.create_index(name, int(shards) if shards else None)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def delete_index(self, req, expr):
        names = [p.strip() for p in expr.split(",") if p.strip()]
        if any("*" in n or n == "_all" for n in names):
            raise illegal_argument("Wildcard expressions or all indices are not allowed")
        with self.store.lock:
            for n in names:
                if n not in self.store.indices:
                    raise index_not_found(n)
            for n in names:
                self.store.delete_index(n)
        return 200, {"acknowledged": True}

    def head_index(self, req, expr):
        try:
            found = self.store.resolve(expr, allow_no_indices=False)
        except EsError:
            found = []
        return (200 if found else 404), b""

    # -- PIT ------------------------------------------------------------------
    def _keep_alive(self, value, setting):
        ns = parse_time_value(value, setting)
        max_ns = parse_time_value(self.args.max_keep_alive, "search.max_keep_alive")
        if ns > max_ns:
            raise illegal_argument(
                "Keep alive for request (%s) is too large. It must be less than (%s). This "
                "limit can be set by changing the [search.max_keep_alive] cluster level "
                "setting." % (format_time_value(ns), format_time_value(max_ns)))
        return ns

    def sweep_pits(self, now=None):
        now = time.monotonic() if now is None else now
        with self.lock:
            for pit in list(self.pits.values()):
                if pit.expired(now):
                    self._remove_pit(pit)
                    self.stats.count("pits_expired")

    def _remove_pit(self, pit):
        self.pits.pop(pit.num, None)
        for i in list(pit.ids):
            self.pit_ids.pop(i, None)

    def _missing_ctx_id(self, pit_id):
        try:
            raw = base64.urlsafe_b64decode(pit_id + "=" * (-len(pit_id) % 4))
            off = len(_PIT_MAGIC) + 16
            (nshards,) = struct.unpack(">H", raw[off:off + 2])
            if nshards:
                ln = raw[off + 2]
                p = off + 3 + ln + 2
                return struct.unpack(">Q", raw[p:p + 8])[0]
            return struct.unpack(">I", raw[len(_PIT_MAGIC):len(_PIT_MAGIC) + 4])[0]
        except (ValueError, struct.error, IndexError):
            return 0

    def open_pit(self, req, expr):
        allowed = set(OPEN_PIT_PARAMS)
        if self.version_at_least("8.16.0"):
            allowed.add("allow_partial_search_results")
        self.check_params(req, allowed)
        if "keep_alive" not in req.params:
            raise validation_error(["[keep_alive] is not specified"])
        ka = self._keep_alive(req.params["keep_alive"], "keep_alive")
        body = req.json_body()
        index_filter = None
        if body is not None:
            if not isinstance(body, dict):
                raise parsing_error("request body must be an object")
            for k in body:
                if k != "index_filter":
                    line, col = _key_location(req.text, k)
                    raise xcontent_error("[open_point_in_time] unknown field [%s]" % k, line, col)
            index_filter = body.get("index_filter")
        opts = self.indices_options(req)
        indices = self.store.resolve(expr, **opts)
        indices = self.check_deny(req, expr, indices,
                                  "indices:data/read/open_point_in_time")
        self.store.promote()
        skipped = 0
        with self.store.lock:
            view = View(indices)
            if index_filter is not None:
                pred = compile_query(index_filter, QueryContext(time.time_ns()))
                if pred is not None:
                    keep = [i for i in view.indices if any(pred(d) for d in i.docs.values())]
                    skipped = sum(i.nshards for i in view.indices if i not in keep)
                    view = View(keep)
        with self.lock:
            self.sweep_pits()
            if self.args.max_open_pits and len(self.pits) >= self.args.max_open_pits:
                raise es_error(429, "es_rejected_execution_exception",
                               "Trying to create too many Point In Time contexts. Must be less "
                               "than or equal to: [%d]. This limit can be set by changing the "
                               "[search.max_open_pit_context] setting."
                               % self.args.max_open_pits)
            pit = Pit(next(self.pit_num), view, ka, expr, self.ctx_counter)
            self.ctx_counter += len(pit.ctx_ids)
            pit.current_id = pit.make_id(self.id_rng)
            pit.ids[pit.current_id] = None
            self.pits[pit.num] = pit
            self.pit_ids[pit.current_id] = pit
            self.stats.count("pits_opened")
        total = len(view.shards) + skipped
        return 200, {"id": pit.current_id,
                     "_shards": {"total": total, "successful": total, "skipped": skipped,
                                 "failed": 0}}

    def close_pit(self, req):
        self.check_params(req, set())
        body = req.json_body()
        pit_id = body.get("id") if isinstance(body, dict) else None
        if isinstance(body, dict):
            for k in body:
                if k != "id":
                    line, col = _key_location(req.text, k)
                    raise xcontent_error("[close_point_in_time] unknown field [%s]" % k,
                                         line, col)
        if not pit_id or not isinstance(pit_id, str):
            raise validation_error(["id is empty"])
        with self.lock:
            self.sweep_pits()
            pit = self.pit_ids.get(pit_id)
            if pit is None:
                if not pit_id_is_ours(pit_id):
                    raise illegal_argument("invalid id: [%s]" % pit_id)
                return 404, {"succeeded": False, "num_freed": 0}
            self._remove_pit(pit)
            self.stats.count("pits_closed")
            return 200, {"succeeded": True, "num_freed": len(pit.ctx_ids)}

    def lookup_pit(self, pit_id, req=None):
        info = getattr(req, "search_info", None)
        with self.lock:
            now = time.monotonic()
            self.sweep_pits(now)
            pit = self.pit_ids.get(pit_id)
            if pit is None:
                if not pit_id_is_ours(pit_id):
                    raise illegal_argument("invalid id: [%s]" % pit_id)
                raise search_context_missing(self._missing_ctx_id(pit_id))
            deadline = pit.ids.get(pit_id)
            if info is not None:
                info["pit_id_was_latest"] = pit_id == pit.current_id
            if deadline is not None and now > deadline:
                self.stats.count("stale_pit_id_rejected")
                raise search_context_missing(pit.ctx_ids[0])
            return pit

    # -- search ---------------------------------------------------------------
    def search(self, req, expr, count_only=False):
        t0 = time.perf_counter()
        params = req.params
        self.check_params(req, COUNT_PARAMS if count_only else SEARCH_PARAMS)
        if "q" in params:
            raise emulator_unsupported("the [q] URL parameter")
        if "scroll" in params and not count_only:
            raise emulator_unsupported("scroll searches")
        body = req.json_body()
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise parsing_error("Unexpected token [%s] at the start of the request body"
                                % _json_value_token(body))
        raw = req.text
        allowed_keys = {"query"} if count_only else SEARCH_BODY_KEYS
        for k, v in body.items():
            if k in SEARCH_BODY_UNSUPPORTED and not count_only:
                raise emulator_unsupported("[%s] in a search body" % k)
            if k not in allowed_keys:
                line, col = _key_location(raw, k)
                if count_only:
                    raise parsing_error("request does not support [%s]" % k, line, col)
                raise parsing_error("Unknown key for a %s in [%s]." % (_json_value_token(v), k),
                                    line, col)
        size = body_int(body["size"], "size") if "size" in body else 10
        from_ = body_int(body["from"], "from") if "from" in body else 0
        if "size" in params:
            size = param_int(params, "size")
        if "from" in params:
            from_ = param_int(params, "from")
        if size < 0:
            raise illegal_argument("[size] parameter cannot be negative, found [%d]" % size)
        if from_ < 0:
            raise illegal_argument("[from] parameter cannot be negative")
        tth = body.get("track_total_hits", None)
        if "track_total_hits" in params:
            v = params["track_total_hits"]
            tth = True if v in ("", "true") else False if v == "false" else \
                param_int(params, "track_total_hits")
        if tth is not None and not isinstance(tth, (bool, int)):
            raise xcontent_error("[search_source] track_total_hits doesn't support values of "
                                 "type: %s" % _json_value_token(tth))
        as_int = param_bool(params, "rest_total_hits_as_int", False)
        if as_int:
            if tth is None:
                tth = True
            elif tth is not True and tth is not False and tth != -1:
                raise illegal_argument("[rest_total_hits_as_int] cannot be used if the tracking "
                                       "of total hits is not accurate, got %d" % tth)
        specs = parse_sort(body.get("sort")) if "sort" in body else None
        if "sort" in params:
            specs = parse_sort_param(params["sort"])
        search_after = body.get("search_after")
        if search_after is not None and not isinstance(search_after, list):
            raise xcontent_error("[search_after] failed to parse, expected an array")
        pit_body = body.get("pit")

        # validations in the order ES performs them
        if pit_body is not None:
            errs = []
            if expr is not None:
                errs.append("[indices] cannot be used with point in time. Do not specify any "
                            "index with point in time.")
            if any(k in params and params[k] != _DEFAULT_INDICES_OPTIONS[k]
                   for k in INDICES_OPTIONS):
                errs.append("[indicesOptions] cannot be used with point in time")
            if "routing" in params:
                errs.append("[routing] cannot be used with point in time")
            if "preference" in params:
                errs.append("[preference] cannot be used with point in time")
            if param_bool(params, "ccs_minimize_roundtrips", False):
                errs.append("[ccs_minimize_roundtrips] cannot be used with point in time")
            if errs:
                raise validation_error(errs)
        errs = []
        if from_ > 0 and search_after:
            errs.append("[from] parameter must be set to 0 when [search_after] is used")
        if pit_body is None and specs and any(s.field == "_shard_doc" for s in specs):
            errs.append("[_shard_doc] sort field cannot be used without [point in time]")
        if errs:
            raise validation_error(errs)

        fetch, includes, excludes = parse_source_option(body.get("_source"))
        if "_source" in params:
            v = params["_source"]
            if v in ("false",):
                fetch = False
            elif v not in ("", "true"):
                fetch, includes = True, v.split(",")
        if "_source_includes" in params:
            includes = params["_source_includes"].split(",")
        if "_source_excludes" in params:
            excludes = params["_source_excludes"].split(",")
        allow_partial = param_bool(params, "allow_partial_search_results",
                                   self.args.default_allow_partial)

        ctx = QueryContext(time.time_ns())
        query = body.get("query")
        pred = compile_query(query, ctx)
        if body.get("post_filter") is not None:
            p2 = compile_query(body["post_filter"], ctx)
            if p2 is not None:
                pred = p2 if pred is None else (lambda d, a=pred, b=p2: a(d) and b(d))

        pit = None
        injected_failure = None
        if pit_body is not None:
            if not isinstance(pit_body, dict):
                raise xcontent_error("[pit] failed to parse object")
            for k in pit_body:
                if k not in ("id", "keep_alive"):
                    line, col = _key_location(raw, k)
                    raise xcontent_error("[point_in_time] unknown field [%s]" % k, line, col)
            pit_id = pit_body.get("id")
            if not isinstance(pit_id, str) or not pit_id:
                raise xcontent_error("[point_in_time] failed to parse field [id]")
            ka = None
            if pit_body.get("keep_alive") is not None:
                ka = self._keep_alive(pit_body["keep_alive"], "keep_alive")
            req.search_info = {"pit": True, "pit_id": pit_id, "pit_id_was_latest": None}
            pit = self.lookup_pit(pit_id, req)
            was_latest = pit_id == pit.current_id
            # PIT faults: forced expiry
            forced = self.faults.take_queued("search", ("pit_expire",))
            every = self.faults.cfg["pit_expire_every"]
            if forced or (every and pit.searches >= every):
                self.faults.note("pit_expire")
                with self.lock:
                    self._remove_pit(pit)
                    self.stats.count("pits_expired_forced")
                raise search_context_missing(pit.ctx_ids[0])
            view = pit.view
            self.check_deny(req, ",".join(i.name for i in view.indices), view.indices,
                            "indices:data/read/search")
        else:
            pit_id, was_latest = None, None
            opts = self.indices_options(req)
            indices = self.store.resolve(expr if expr is not None else "_all", **opts)
            indices = self.check_deny(req, expr, indices, "indices:data/read/search")
            view = self.current_view(indices)

        if not count_only:
            q = self.faults.take_queued("search", ("shard_failure",))
            if (q or self.faults.roll(self.faults.cfg["shard_failure_rate"])) and view.shards:
                injected_failure = self.faults.choice(view.shards)
                self.faults.note("shard_failure")

        # implicit _shard_doc tiebreaker (SearchRequest#rewrite)
        if pit is not None and specs and (search_after is None or
                                          len(search_after) == len(specs) + 1):
            if specs[-1].field != "_shard_doc":
                specs = specs + [SortSpec("_shard_doc", "asc", unmapped_type="long",
                                          implicit=True)]

        # failed shards: indices deleted under the PIT, injected failures
        failures = []
        failed = set()
        for idx, s in view.dead_shards():
            failed.add((idx, s))
            failures.append(_shard_failure(idx, s, _cause(
                "search_context_missing_exception",
                "No search context found for id [%d]" %
                (pit.ctx_ids[view.shard_pos[(idx, s)]] if pit else 0))))
        if injected_failure is not None and injected_failure not in failed:
            idx, s = injected_failure
            failed.add(injected_failure)
            failures.append(_shard_failure(idx, s, _cause(
                "no_shard_available_action_exception",
                "[%s][127.0.0.1:9300][indices:data/read/search[phase/query]]"
                % self.args.node_name, index_uuid=idx.uuid, shard=str(s), index=idx.name)))
        if failures:
            status = 404 if any(f["reason"]["type"] == "search_context_missing_exception"
                                for f in failures) else 503
            if len(failed) == len(view.shards):
                if status == 404 and pit is not None:
                    raise search_context_missing(pit.ctx_ids[0])
                raise shard_phase_error(status, failures[0]["reason"], failures)
            if not allow_partial:
                raise shard_phase_error(status, failures[0]["reason"], failures,
                                        reason="Partial shards failure")

        if not count_only and from_ + size > MAX_RESULT_WINDOW and view.shards:
            raise _all_shards_failed(view, _cause(
                "illegal_argument_exception",
                "Result window is too large, from + size must be less than or equal to: [%d] "
                "but was [%d]. See the scroll api for a more efficient way to request large "
                "data sets. This limit can be set by changing the [index.max_result_window] "
                "index level setting." % (MAX_RESULT_WINDOW, from_ + size)))

        with self.store.lock:
            result = self._execute(view, specs, pred, search_after, from_, size, failed,
                                   tth if not count_only else True, query, ctx, count_only,
                                   body.get("post_filter"))
        hits, total, bound = result
        nshards = len(view.shards)
        shards = {"total": nshards, "successful": nshards - len(failed), "skipped": 0,
                  "failed": len(failed)}
        if failures:
            shards["failures"] = failures
        if count_only:
            return 200, {"count": total[0], "_shards": shards}

        new_id = None
        if pit is not None:
            with self.lock:
                if ka is not None:
                    pit.keep_alive_ns = max(pit.keep_alive_ns, ka)
                pit.searches += 1
                pit.last_access = time.monotonic()
                if self.faults.cfg["rotate_pit_id"] and pit.num in self.pits:
                    old = pit.current_id
                    pit.gen += 1
                    new = pit.make_id(self.id_rng)
                    pit.ids[old] = time.monotonic() + self.faults.cfg["rotate_grace_ms"] / 1000.0
                    pit.ids[new] = None
                    pit.current_id = new
                    self.pit_ids[new] = pit
                    self.faults.note("rotate")
                new_id = pit.current_id
        self.stats.count("hits_served", len(hits))
        self.stats.count("searches")
        req.search_info = {"pit": pit is not None, "pit_id": pit_id,
                           "pit_id_was_latest": was_latest, "index": expr,
                           "hits": len(hits), "partial": bool(failures)}
        took = int((time.perf_counter() - t0) * 1000)
        return 200, self._render(new_id, took, shards, total, hits, bound, fetch, includes,
                                 excludes, as_int, specs)

    def _execute(self, view, specs, pred, search_after, from_, size, failed, tth, query,
                 ctx, count_only, post_filter=None):
        total = None
        if tth is not False:
            limit = None if tth is True else (DEFAULT_TRACK_TOTAL_HITS if tth is None else tth)
            if limit == -1:
                limit = None
            total = self._count(view, pred, failed, limit, [query, post_filter], ctx)
        if count_only or size == 0:
            return [], total, []
        if specs:
            bound, keys, docs = sorted_view(view, specs)
        else:
            if search_after:
                raise _all_shards_failed(view, _cause(
                    "illegal_argument_exception", "Sort must contain at least one field.")) or \
                    illegal_argument("Sort must contain at least one field.")
            bound, keys, docs = sorted_view(view, [SortSpec("_doc", "asc")])
            bound = []
        start = 0
        if search_after:
            if len(search_after) != len(specs):
                raise _all_shards_failed(view, _cause(
                    "illegal_argument_exception", "search_after has %d value(s) but sort has %d."
                    % (len(search_after), len(specs)))) or illegal_argument("search_after")
            sa = tuple(b.after_key(v) for b, v in zip(bound, search_after))
            try:
                start = bisect.bisect_right(keys, sa)
            except TypeError:
                raise illegal_argument("search_after values do not match the sort types")
        stop = None
        # prune with mandatory ranges on the primary sort field
        if bound and bound[0].kind == "field" and bound[0].type in ("date", "long", "double") \
                and query is not None:
            b0 = bound[0]
            lo_k = hi_k = None
            for spec in mandatory_ranges(query, b0.spec.field):
                if not isinstance(spec, dict):
                    continue
                types = {field_type_of(i, b0.spec.field) for i in view.indices}
                if len(types) != 1:
                    lo_k = hi_k = None
                    break
                t = types.pop()
                if t is None or (b0.type == "date") != (t in DATES):
                    break
                lo, hi, _, _ = range_bounds(spec, t, ctx)
                if b0.type == "date":
                    lo = None if lo is None else lo // b0.res
                    hi = None if hi is None else hi // b0.res
                if lo is not None and (lo_k is None or lo > lo_k):
                    lo_k = lo
                if hi is not None and (hi_k is None or hi < hi_k):
                    hi_k = hi
            if b0.desc:
                lo_k, hi_k = (None if hi_k is None else -hi_k), (None if lo_k is None else -lo_k)
            if lo_k is not None:
                start = max(start, bisect.bisect_left(keys, (lo_k,)))
            stop = hi_k
        out = []
        skip = from_
        n = len(docs)
        i = start
        while i < n and len(out) < size:
            if stop is not None and keys[i][0] > stop:
                break
            d = docs[i]
            i += 1
            if failed and (d.index, d.shard) in failed:
                continue
            if pred is not None and not pred(d):
                continue
            if skip:
                skip -= 1
                continue
            out.append((d, keys[i - 1]))
        return out, total, bound

    def _count(self, view, pred, failed, limit, query, ctx):
        key = (json.dumps(query, sort_keys=True), tuple(sorted((i.name, s) for i, s in failed)))
        with view.lock:
            c = view.count_cache.get(key)
        if c is None or ctx.uses_now:
            c = 0
            for d in view.docs:
                if failed and (d.index, d.shard) in failed:
                    continue
                if pred is None or pred(d):
                    c += 1
            if not ctx.uses_now:
                with view.lock:
                    view.count_cache[key] = c
        if limit is not None and c > limit:
            return limit, "gte"
        return c, "eq"

    def _render(self, pit_id, took, shards, total, hits, bound, fetch, includes, excludes,
                as_int, specs):
        head = "{"
        if pit_id is not None:
            head += '"pit_id":%s,' % json.dumps(pit_id)
        head += ('"took":%d,"timed_out":false,"_shards":%s,"hits":{'
                 % (took, json.dumps(shards, ensure_ascii=False, separators=(",", ":"))))
        if total is not None:
            if as_int:
                head += '"total":%d,' % total[0]
            else:
                head += '"total":{"value":%d,"relation":"%s"},' % total
        scored = not specs
        head += '"max_score":%s,"hits":[' % ("1.0" if scored and hits else "null")
        parts = [head.encode("utf-8")]
        dumps = json.dumps
        filtering = bool(includes or excludes)
        score = b',"_score":1.0' if scored else b',"_score":null'
        first = True
        for d, key in hits:
            if not first:
                parts.append(b",")
            first = False
            parts.append(d.head)
            parts.append(score)
            if fetch:
                parts.append(b',"_source":')
                if filtering:
                    src = filter_source(d.source(), includes, excludes)
                    parts.append(dumps(src, ensure_ascii=False, separators=(",", ":")).encode())
                else:
                    parts.append(d.raw)
            if bound:
                parts.append(b',"sort":')
                parts.append(dumps([b.render_key(k, d) for b, k in zip(bound, key)],
                                   ensure_ascii=False, separators=(",", ":")).encode())
            parts.append(b"}")
        parts.append(b"]}}")
        return b"".join(parts)

    # -- control API (/_emulator/...) ------------------------------------------
    def control(self, req):
        path = req.path.rstrip("/")
        m = req.method
        p = req.params
        if path == "/_emulator/docs" and m == "POST":
            entries, errors = self.store.parse_lines(req.body or b"")
            if errors:
                return 400, {"error": "invalid NDJSON", "details": errors[:50]}
            delay = int(float(p.get("visible_after_ms", "0") or 0))
            added = self.store.ingest(entries, visible_after_ms=delay)
            counts = collections.Counter(i for i, _ in added)
            out = {"ingested": len(added), "indices": dict(counts),
                   "visible_after_ms": delay}
            if p.get("return_ids") in ("", "true"):
                out["ids"] = [{"_index": i, "_id": d} for i, d in added]
            return 200, out
        if path == "/_emulator/faults":
            if m == "GET":
                return 200, self.faults.snapshot()
            if m == "POST":
                cfg = req.json_body() or {}
                try:
                    self.faults.configure(cfg, merge=p.get("merge") in ("", "true"))
                except (ValueError, TypeError) as e:
                    return 400, {"error": str(e)}
                return 200, self.faults.snapshot()
        if path == "/_emulator/delete" and m == "POST":
            if "index" not in p:
                return 400, {"error": "index=PATTERN is required"}
            before = None
            if p.get("before"):
                try:
                    before = parse_date(p["before"])
                except ValueError:
                    return 400, {"error": "before must be an RFC 3339 time"}
            n, gone = self.store.delete_docs(p["index"], before, p.get("field", "@timestamp"))
            return 200, {"deleted_docs": n, "deleted_indices": gone}
        if path == "/_emulator/refresh" and m == "POST":
            self.store.promote(everything=True)
            return 200, {"refreshed": True}
        if path == "/_emulator/expire_pits" and m == "POST":
            with self.lock:
                n = 0
                for pit in list(self.pits.values()):
                    if "id" in p and p["id"] not in pit.ids:
                        continue
                    self._remove_pit(pit)
                    n += 1
                self.stats.count("pits_expired_control", n)
            return 200, {"expired": n}
        if path == "/_emulator/indices" and m == "POST":
            if not p.get("name"):
                return 400, {"error": "name=INDEX is required"}
            idx = self.store.create_index(p["name"], int(p.get("shards", 0)) or None)
            return 200, {"index": idx.name, "shards": idx.nshards}
        if path == "/_emulator/stats" and m == "GET":
            return 200, self.stats_json()
        if path == "/_emulator/reset" and m == "POST":
            keep = p.get("keep_docs") in ("", "true")
            with self.lock:
                if not keep:
                    self.store.reset()
                self.pits.clear()
                self.pit_ids.clear()
                self.view_cache.clear()
            self.faults.configure({})
            self.stats.reset()
            return 200, {"reset": True, "kept_docs": keep}
        return 404, {"error": "unknown control endpoint %s %s" % (m, req.path),
                     "endpoints": ["POST /_emulator/docs", "GET|POST /_emulator/faults",
                                   "POST /_emulator/delete", "POST /_emulator/refresh",
                                   "POST /_emulator/expire_pits", "POST /_emulator/indices",
                                   "GET /_emulator/stats", "POST /_emulator/reset"]}

    def stats_json(self):
        self.store.promote()
        now = time.monotonic()
        self.sweep_pits(now)
        with self.lock:
            pits = [{"id": pit.current_id, "index": pit.index_expr,
                     "indices": [i.name for i in pit.view.indices],
                     "docs": len(pit.view.docs), "shards": len(pit.view.shards),
                     "keep_alive_ms": pit.keep_alive_ns // NS_PER_MS,
                     "expires_in_ms": int((pit.last_access + pit.keep_alive_ns / NS_PER_S
                                           - now) * 1000),
                     "searches": pit.searches, "age_ms": int((now - pit.created) * 1000),
                     "ids_issued": len(pit.ids)}
                    for pit in self.pits.values()]
        with self.store.lock:
            docs = {name: {"docs": len(i.docs), "pending": len(i.pending),
                           "shards": i.nshards}
                    for name, i in sorted(self.store.indices.items())}
        with self.stats.lock:
            return {
                "uptime_s": round(time.time() - self.stats.started, 3),
                "requests": {ep: dict(c) for ep, c in self.stats.by_endpoint.items()},
                "counters": dict(self.stats.counters),
                "open_pits": len(pits),
                "pits": pits,
                "indices": docs,
                "total_docs": sum(v["docs"] for v in docs.values()),
                "total_pending": sum(v["pending"] for v in docs.values()),
                "faults": self.faults.snapshot(),
                "searches": list(self.stats.searches),
                "request_log": list(self.stats.requests)[-200:],
            }

    # -- authentication -------------------------------------------------------
    def _www_auth(self):
        h = [("WWW-Authenticate", 'Basic realm="security", charset="UTF-8"')]
        if self.bearer:
            h.append(("WWW-Authenticate", 'Bearer realm="security"'))
        h.append(("WWW-Authenticate", "ApiKey"))
        return h

    def _unauthorized(self, reason, extra=None):
        hdrs = self._www_auth()
        header = {"WWW-Authenticate": [v for _, v in hdrs]}
        cause = {"type": "security_exception", "reason": reason, "header": header}
        if extra:
            cause.update(extra)
        err = {"root_cause": [dict(cause)], **cause}
        return EsError(401, {"error": err, "status": 401}, hdrs)

    def check_auth(self, req):
        if not self.auth_enabled:
            return
        h = req.headers.get("Authorization")
        if not h:
            raise self._unauthorized("missing authentication credentials for REST request [%s]"
                                     % req.uri)
        scheme, _, cred = h.strip().partition(" ")
        scheme = scheme.lower()
        cred = cred.strip()
        if scheme == "basic":
            try:
                user, _, pw = base64.b64decode(cred, validate=True).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                raise self._unauthorized("unable to authenticate with provided credentials and "
                                         "anonymous access is not allowed for this request",
                                         {"additional_unsuccessful_credentials":
                                          "basic: invalid basic authentication header value"})
            if user in self.users and self.users[user] == pw:
                req.principal = ("user", user)
                return
            raise self._unauthorized("unable to authenticate user [%s] for REST request [%s]"
                                     % (user, req.uri))
        if scheme == "apikey":
            try:
                kid, _, secret = base64.b64decode(cred, validate=True).decode("utf-8") \
                    .partition(":")
            except (ValueError, UnicodeDecodeError):
                kid, secret = None, None
            if kid is not None and kid in self.api_keys and self.api_keys[kid] == secret:
                req.principal = ("api_key", kid)
                return
            why = ("invalid ApiKey value" if kid is None else
                   "unable to find apikey with id %s" % kid if kid not in self.api_keys else
                   "invalid credentials for API key [%s]" % kid)
            raise self._unauthorized("unable to authenticate with provided credentials and "
                                     "anonymous access is not allowed for this request",
                                     {"additional_unsuccessful_credentials": "API key: " + why})
        if scheme == "bearer":
            if cred in self.bearer:
                req.principal = ("bearer", self.args.user or "ece-auditd")
                return
            raise self._unauthorized("unable to authenticate with provided credentials and "
                                     "anonymous access is not allowed for this request",
                                     {"additional_unsuccessful_credentials":
                                      "oauth2 token: token malformed"})
        raise self._unauthorized("missing authentication credentials for REST request [%s]"
                                 % req.uri)

    # -- injected error bodies -------------------------------------------------
    def injected_error(self, code, endpoint, req):
        node = self.args.node_name
        index = "services-logs-2026.11.20"
        if code == 429:
            if self.faults.roll(0.2):
                reason = ("[parent] Data too large, data for [<http_request>] would be "
                          "[1020990624/973.6mb], which is larger than the limit of "
                          "[1020054732/972.7mb], real usage: [1020990400/973.6mb], new bytes "
                          "reserved: [224/224b], usages [eql_sequence=0/0b, "
                          "model_inference=0/0b, inflight_requests=224/224b, "
                          "request=0/0b, fielddata=0/0b]")
                return es_error(429, "circuit_breaking_exception", reason,
                                bytes_wanted=1020990624, bytes_limit=1020054732,
                                durability="TRANSIENT")
            cause = _cause("es_rejected_execution_exception",
                           "rejected execution of TimedRunnable{original=ActionRunnable#wrap"
                           "[org.elasticsearch.search.SearchService$$Lambda/0x00007f3c4c8a1e38"
                           "@5f1c2d3e], creationTimeNanos=%d, startTimeNanos=0, "
                           "finishTimeNanos=-1, failedOrRejected=false} on "
                           "TaskExecutionTimeTrackingEsThreadPoolExecutor[name = %s/search, "
                           "queue capacity = 1000, task execution EWMA = 2.1ms, total task "
                           "execution time = 3.4h, org.elasticsearch.common.util.concurrent."
                           "TaskExecutionTimeTrackingEsThreadPoolExecutor@1b2c3d4e[Running, "
                           "pool size = 13, active threads = 13, queued tasks = 1000, completed "
                           "tasks = 48213377]]" % (time.monotonic_ns(), node))
            if endpoint == "search":
                fs = [{"shard": 0, "index": index, "node": self.node_id, "reason": cause}]
                return shard_phase_error(429, cause, fs)
            return es_error(429, "es_rejected_execution_exception", cause["reason"])
        if code == 503:
            if self.faults.roll(0.5):
                return es_error(503, "cluster_block_exception",
                                "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / "
                                "initialized];")
            cause = _cause("no_shard_available_action_exception",
                           "No shard available for [%s]" % (endpoint,),
                           index_uuid="_na_", shard="0", index=index)
            fs = [{"shard": 0, "index": index, "node": None, "reason": cause}]
            return shard_phase_error(503, cause, fs)
        if code in (502, 504):
            text = {502: "Bad Gateway", 504: "Gateway Timeout"}[code]
            html = ("<html><body><h1>%d %s</h1>\nThe server returned an invalid or incomplete "
                    "response.\n</body></html>\n" % (code, text))
            return EsError(code, html.encode(), ctype="text/html")
        if code == 401:
            return self._unauthorized("unable to authenticate user [%s] for REST request [%s]"
                                      % (self.principal_name(req), req.uri))
        if code == 403:
            return self.forbidden(req, "indices:data/read/search", index)
        if code == 404:
            if endpoint == "search":
                return search_context_missing(self.ctx_counter)
            return index_not_found(index)
        if code == 500:
            return es_error(500, "null_pointer_exception", "injected fault (500)")
        if code == 400:
            return illegal_argument("injected fault (400)")
        return es_error(code, "exception", "injected fault (%d)" % code)


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

_ACCEPTED_MEDIA = {"application/json", "application/x-ndjson",
                   "application/vnd.elasticsearch+json", "application/vnd.elasticsearch+x-ndjson"}


def route(method, path):
    """(endpoint, handler name, arg, allowed methods) for an ES path."""
    segs = [urllib.parse.unquote(s) for s in path.split("/") if s != ""]
    if not segs:
        return "root", "root", None, ("GET", "HEAD")
    if segs == ["_search"]:
        return "search", "search", None, ("GET", "POST")
    if segs == ["_count"]:
        return "count", "count", None, ("GET", "POST")
    if segs == ["_pit"]:
        return "close_pit", "close_pit", None, ("DELETE",)
    if segs == ["_cluster", "health"]:
        return "other", "cluster_health", None, ("GET",)
    if segs == ["_security", "_authenticate"]:
        return "other", "authenticate", None, ("GET",)
    if len(segs) == 2 and not segs[0].startswith("_"):
        if segs[1] == "_search":
            return "search", "search", segs[0], ("GET", "POST")
        if segs[1] == "_count":
            return "count", "count", segs[0], ("GET", "POST")
        if segs[1] == "_pit":
            return "open_pit", "open_pit", segs[0], ("POST",)
    if len(segs) == 1 and not segs[0].startswith("_"):
        return "index", "index", segs[0], ("PUT", "DELETE", "HEAD")
    return None, None, None, ()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "es-emulator"
    disable_nagle_algorithm = True
    timeout = 600

    def setup(self):
        self.tls_failed = False
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.settimeout(10)
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as e:
                self.tls_failed = True
                if self.server.emu.args.verbose:
                    sys.stderr.write("es_emulator: TLS handshake failed: %s\n" % e)
        super().setup()

    def handle(self):
        if self.tls_failed:
            return
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout):
            pass

    def log_message(self, fmt, *args):
        if self.server.emu.args.verbose:
            sys.stderr.write("es_emulator: %s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    # -- plumbing ---------------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("eof in chunked body")
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += n
                if total > MAX_CONTENT_LENGTH:
                    raise simple_error(413, "Request Entity Too Large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(3)
            data = b"".join(chunks)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            if n > MAX_CONTENT_LENGTH:
                self.close_connection = True
                raise simple_error(413, "Request Entity Too Large")
            data = self.rfile.read(n) if n > 0 else b""
        ce = (self.headers.get("Content-Encoding") or "").lower().strip()
        if data and ce in ("gzip", "x-gzip"):
            data = gzip.decompress(data)
        elif data and ce == "deflate":
            data = zlib.decompress(data)
        return data

    def send_all(self, status, body, ctype="application/json", extra=(), es=True):
        emu = self.server.emu
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = []
        if es and status not in (401, 403):
            # ES sends no product header on authentication/authorization errors
            headers.append(("X-elastic-product", "Elasticsearch"))
        headers.extend(extra)
        if body:
            headers.append(("content-type", ctype))
        ae = (self.headers.get("Accept-Encoding") or "").lower()
        if body and emu.args.http_compression and _accepts_gzip(ae):
            body = gzip.compress(body, compresslevel=3)
            headers.append(("content-encoding", "gzip"))
            headers.append(("vary", "Accept-Encoding"))
        headers.append(("content-length", str(len(body))))
        reason = self.responses.get(status, ("Unknown",))[0]
        # record before the client can see the answer, so that a test that
        # asks /_emulator/stats right after a response finds it there
        self.record("drop" if getattr(self, "_partial_drop", False) else status)
        head = "HTTP/1.1 %d %s\r\n" % (status, reason)
        head += "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n"
        payload = head.encode("latin-1")
        if self.command != "HEAD":
            payload += body
        if getattr(self, "_partial_drop", False):
            cut = len(head) + max(0, len(body) // 2)
            self.wfile.write(payload[:cut])
            self.wfile.flush()
            self.hard_close("close")
            return
        self.wfile.write(payload)

    def hard_close(self, mode):
        self.close_connection = True
        try:
            if mode == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def record(self, status):
        """Account for the current request once: counters, request log and,
        for searches, the body the client sent."""
        if self._recorded:
            return
        self._recorded = True
        emu = self.server.emu
        ms = (time.perf_counter() - self._t0) * 1000
        emu.stats.record(self._endpoint, self.command, self.path, status, ms)
        if self._endpoint in ("search", "count") and self._req is not None:
            self.record_search(emu, self._req, self._endpoint, status)

    def dispatch(self):
        emu = self.server.emu
        self._t0 = time.perf_counter()
        self._recorded = False
        self._endpoint = endpoint = "other"
        self._req = req = None
        self._partial_drop = False
        status = 0
        try:
            body = self.read_body()
            self._req = req = Request(self.command, self.path, self.headers, body)
            if req.path == "/_emulator" or req.path.startswith("/_emulator/"):
                self._endpoint = endpoint = "control"
                if not emu.args.control:
                    raise simple_error(400, "no handler found for uri [%s] and method [%s]"
                                       % (req.uri, req.method))
                status, out = emu.control(req)
                self.respond(status, out, req)
                return
            endpoint, handler, arg, allowed = route(req.method, req.path)
            self._endpoint = endpoint or "other"
            if handler is None:
                endpoint = "other"
                raise simple_error(400, "no handler found for uri [%s] and method [%s]"
                                   % (req.uri, req.method))
            if req.method not in allowed:
                raise EsError(405, {"error": "Incorrect HTTP method for uri [%s] and method "
                                             "[%s], allowed: [%s]" % (req.uri, req.method,
                                                                      ", ".join(allowed)),
                                    "status": 405}, [("Allow", ",".join(allowed))])
            if body:
                ct = self.headers.get("Content-Type")
                if ct is None:
                    raise simple_error(406, "Content-Type header is missing")
                media = ct.split(";")[0].strip().lower()
                if media not in _ACCEPTED_MEDIA:
                    raise simple_error(406, "Content-Type header [%s] is not supported" % ct)
            emu.check_auth(req)
            if endpoint in FAULTABLE:
                action, arg2 = emu.faults.pre_request(endpoint)
                if action == "drop":
                    if arg2 == "partial":
                        self._partial_drop = True
                    else:
                        raise DropConnection(arg2)
                elif action == "error":
                    raise emu.injected_error(arg2, endpoint, req)
            if handler == "index":
                fn = {"PUT": emu.put_index, "DELETE": emu.delete_index,
                      "HEAD": emu.head_index}[req.method]
                status, out = fn(req, arg)
            elif handler in ("search", "count"):
                status, out = emu.search(req, arg, count_only=(handler == "count"))
            elif arg is not None:
                status, out = getattr(emu, handler)(req, arg)
            else:
                status, out = getattr(emu, handler)(req)
            self.respond(status, out, req)
        except DropConnection as e:
            status = "drop"
            self.record(status)
            self.hard_close(e.mode)
        except EsError as e:
            status = e.status
            if e.ctype:
                self.send_all(e.status, e.body, e.ctype, e.headers, es=False)
            else:
                self.respond(e.status, e.body, req, e.headers)
        except (ConnectionError, BrokenPipeError, socket.timeout):
            status = "conn_error"
            self.close_connection = True
        except Exception as e:  # an emulator bug: say so loudly
            status = 500
            traceback.print_exc(file=sys.stderr)
            try:
                self.respond(500, {"error": {"root_cause": [{"type": "emulator_exception",
                                                             "reason": repr(e)}],
                                             "type": "emulator_exception", "reason": repr(e)},
                                   "status": 500}, req)
            except OSError:
                pass
        finally:
            self.record(status)
            self._partial_drop = False

    def record_search(self, emu, req, endpoint, status):
        try:
            body = req.json_body()
        except EsError:
            body = req.text
        info = getattr(req, "search_info", {})
        entry = {"t": round(time.time(), 3), "endpoint": endpoint, "method": req.method,
                 "path": req.path, "params": req.params, "body": body, "status": status}
        entry.update(info)
        if "pit" not in entry:
            entry["pit"] = isinstance(body, dict) and isinstance(body.get("pit"), dict)
            if entry["pit"]:
                entry["pit_id"] = body["pit"].get("id")
                entry["pit_id_was_latest"] = None
        with emu.stats.lock:
            emu.stats.searches.append(entry)

    def respond(self, status, out, req, extra=()):
        params = req.params if req is not None else {}
        if isinstance(out, (dict, list)):
            if "pretty" in params and params["pretty"] != "false" or "filter_path" in params:
                text = None
            else:
                text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
        else:
            text = out
        if "filter_path" in params or ("pretty" in params and params["pretty"] != "false"):
            obj = out if isinstance(out, (dict, list)) else (json.loads(out) if out else None)
            if obj is not None and "filter_path" in params:
                obj = apply_filter_path(obj, params["filter_path"])
            if obj is None:
                text = ""
            elif "pretty" in params and params["pretty"] != "false":
                text = json.dumps(obj, ensure_ascii=False, indent=2, separators=(",", " : ")) + "\n"
            else:
                text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        ctype = "application/json"
        if req is not None:
            for h in ("Accept", "Content-Type"):
                v = (self.headers.get(h) or "")
                m = re.search(r"application/vnd\.elasticsearch\+json;\s*compatible-with=(\d+)", v)
                if m:
                    ctype = "application/vnd.elasticsearch+json;compatible-with=%s" % m.group(1)
                    break
        self.send_all(status, text if text is not None else b"", ctype, extra,
                      es=not (req is not None and req.path.startswith("/_emulator")))


def _accepts_gzip(ae):
    for part in ae.split(","):
        bits = part.strip().split(";")
        if bits[0].strip() in ("gzip", "x-gzip", "*"):
            q = 1.0
            for b in bits[1:]:
                b = b.strip()
                if b.startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            if q > 0:
                return True
    return False


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, emu, ssl_ctx=None):
        self.emu = emu
        self.ssl_ctx = ssl_ctx
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_ctx is not None:
            # the handshake happens in the handler thread, not in accept()
            sock = self.ssl_ctx.wrap_socket(sock, server_side=True,
                                            do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        if self.emu.args.verbose:
            super().handle_error(request, client_address)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def write_port_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="es_emulator.py",
        description="Emulator of the Elasticsearch 8 REST API subset used by ece-auditd.",
        epilog="Control API (with --control): POST /_emulator/docs, GET|POST /_emulator/faults, "
               "POST /_emulator/delete, POST /_emulator/refresh, POST /_emulator/expire_pits, "
               "POST /_emulator/indices, GET /_emulator/stats, POST /_emulator/reset. "
               "See the module docstring.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = ephemeral")
    ap.add_argument("--port-file", help="write the bound port here (atomically)")
    ap.add_argument("--tls-cert", help="server certificate (PEM); enables HTTPS")
    ap.add_argument("--tls-key", help="server private key (PEM)")
    ap.add_argument("--tls-client-ca", help="require client certificates signed by this CA")
    ap.add_argument("--user", help="Basic auth user")
    ap.add_argument("--password", help="Basic auth password")
    ap.add_argument("--api-key", action="append", metavar="ID:KEY",
                    help="accept Authorization: ApiKey base64(ID:KEY); repeatable")
    ap.add_argument("--api-key-owner", default="ece-auditd",
                    help="user named in messages about API keys")
    ap.add_argument("--bearer-token", action="append", metavar="TOKEN",
                    help="accept Authorization: Bearer TOKEN; repeatable")
    ap.add_argument("--roles", default="ece_audit_reader",
                    help="effective roles named in 403 messages")
    ap.add_argument("--deny-index", action="append", metavar="PATTERN",
                    help="no read privilege on indices matching PATTERN (403); repeatable")
    ap.add_argument("--deny-silent", action="store_true",
                    help="wildcards silently skip denied indices (ES behaviour when the user "
                         "can read other indices) instead of 403")
    ap.add_argument("--data", action="extend", nargs="+", default=[], metavar="FILE",
                    help="NDJSON files to load at start")
    ap.add_argument("--index-pattern-default", default="services-logs",
                    help="raw docs go to <this>-YYYY.MM.DD from their @timestamp")
    ap.add_argument("--shards", type=int, default=2, help="shards per new index")
    ap.add_argument("--mapping", action="append", default=[], metavar="FIELD=TYPE",
                    help="explicit field type (date, date_nanos, keyword, text, long, double, "
                         "boolean); default @timestamp=date")
    ap.add_argument("--dynamic-strings", choices=("keyword", "text"), default="keyword",
                    help="type of unmapped string fields; text adds a .keyword subfield and "
                         "makes sorting on the text field fail as in ES")
    ap.add_argument("--control", action="store_true", help="enable /_emulator/ control API")
    ap.add_argument("--es-version", default="8.15.0", help="version reported by GET /")
    ap.add_argument("--cluster-name", default="ece-logging")
    ap.add_argument("--node-name", default="instance-0000000001")
    ap.add_argument("--max-open-pits", type=int, default=0,
                    help="reject opening more PITs than this with 429 (0 = unlimited, as ES)")
    ap.add_argument("--max-keep-alive", default="24h", help="search.max_keep_alive")
    ap.add_argument("--default-allow-partial", choices=("true", "false"), default="true",
                    help="search.default_allow_partial_results")
    ap.add_argument("--http-compression", choices=("true", "false"), default="true",
                    help="gzip responses when the client sends Accept-Encoding: gzip")
    ap.add_argument("--faults", help="initial fault configuration (JSON)")
    ap.add_argument("--seed", type=int, default=1, help="seed of PIT ids and other randomness")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.default_allow_partial = args.default_allow_partial == "true"
    args.http_compression = args.http_compression == "true"
    if (args.user is None) != (args.password is None):
        ap.error("--user and --password go together")
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    mapping = {"@timestamp": "date"}
    for m in args.mapping:
        f, _, t = m.partition("=")
        if t not in FIELD_TYPES:
            ap.error("--mapping %s: unknown type %r" % (m, t))
        mapping[f] = t
    args.mapping = mapping
    for k in args.api_key or []:
        if ":" not in k:
            ap.error("--api-key wants ID:KEY")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    emu = Emulator(args)
    if args.faults:
        try:
            emu.faults.configure(json.loads(args.faults))
        except ValueError as e:
            sys.stderr.write("es_emulator: --faults: %s\n" % e)
            return 2
    for path in args.data:
        try:
            with open(path, "rb") as f:
                n = emu.store.load(f.read())
        except (OSError, IngestError) as e:
            sys.stderr.write("es_emulator: %s: %s\n" % (path, e))
            return 2
        sys.stderr.write("es_emulator: loaded %d docs from %s\n" % (n, path))
    ssl_ctx = None
    if args.tls_cert:
        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ssl_ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            ssl_ctx.load_verify_locations(args.tls_client_ca)
            ssl_ctx.verify_mode = ssl.CERT_REQUIRED
    server = Server((args.host, args.port), emu, ssl_ctx)
    port = server.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        write_port_file(args.port_file, port)
    sys.stderr.write("es_emulator: listening on %s://%s:%d (ES %s)%s\n"
                     % ("https" if ssl_ctx else "http", args.host, port, args.es_version,
                        ", control API on" if args.control else ""))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    sys.stderr.write("es_emulator: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
