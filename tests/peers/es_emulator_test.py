#!/usr/bin/python3
"""Self-test of es_emulator.py: starts it as a subprocess and talks HTTP to it.

  /usr/bin/python3 tests/peers/es_emulator_test.py [-v] [TestName ...]
  /usr/bin/python3 tests/peers/es_emulator_test.py --bench [COUNT] [PAGE]

The last line printed is "N passed, N failed"; the exit status is non-zero
when a test failed.  --bench loads COUNT generated documents (default
100000) and pages through them with PIT + search_after, printing docs/s.
"""

import base64
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "es_emulator.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import es_load  # noqa: E402  (the document generator beside this file)

USER, PASSWORD = "ece-auditd", "s3cret pass:word"
API_KEY_ID, API_KEY = "VuaCfGcBCdbkQm-e5aOx", "ui2lp2axTNmsyakw9tvNnw"
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
APIKEY = "ApiKey " + base64.b64encode(("%s:%s" % (API_KEY_ID, API_KEY)).encode()).decode()

CONTEXT_MISSING_KEYS = {"error", "status"}


def start_emulator(tmp, *extra, wait=15.0):
    port_file = os.path.join(tmp, "port-%d" % time.monotonic_ns())
    log = open(os.path.join(tmp, "emulator-%d.log" % time.monotonic_ns()), "w")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen([PYTHON, EMULATOR, "--port", "0", "--port-file", port_file] +
                            list(extra), stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                txt = f.read().strip()
            if txt:
                return proc, int(txt)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    with open(log.name) as f:
        raise RuntimeError("emulator did not start:\n" + f.read())


def stop_emulator(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None
    return proc.returncode


class Client:
    """A keep-alive HTTP client returning (status, headers, parsed body)."""

    def __init__(self, port, auth=BASIC, tls_ctx=None):
        self.port, self.auth, self.tls_ctx = port, auth, tls_ctx
        self.conn = None

    def _connect(self):
        if self.tls_ctx:
            return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.tls_ctx,
                                               timeout=20)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def call(self, method, path, body=None, headers=None, auth=True, raw=False):
        h = {}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None:
            h["Content-Type"] = "application/json"
        if auth and self.auth:
            h["Authorization"] = self.auth
        h.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        if raw:
            return resp.status, resp, data
        if resp.getheader("content-encoding") == "gzip":
            data = gzip.decompress(data)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return resp.status, resp, parsed

    def ctl(self, method, path, body=None):
        st, _, out = self.call(method, "/_emulator/" + path, body, auth=False)
        assert st == 200, (st, out)
        return out

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


def ndjson(docs):
    return "\n".join(json.dumps(d) for d in docs) + "\n"


def gen_docs(count, seed=7, days=1.5, burst=0, same=0.3):
    return list(es_load.generate(count, seed, es_load.parse_start("2026-11-20T00:00:00Z"),
                                 days, same, burst, es_load.load_templates(None)[0]))


def doc_at(ts, rid, **extra):
    d = {"@timestamp": ts, "request_id": rid, "method": "GET", "path": "/api/v1/deployments",
         "return_code": 200, "admin_id": "philipp"}
    d.update(extra)
    return d


class EmulatorTest(unittest.TestCase):
    proc = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="es-emu-test-")
        cls.proc, cls.port = start_emulator(
            cls.tmp, "--control", "--user", USER, "--password", PASSWORD,
            "--api-key", "%s:%s" % (API_KEY_ID, API_KEY), "--deny-index", "secret-*",
            "--roles", "ece_audit_reader")
        cls.c = Client(cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        stop_emulator(cls.proc)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.c.ctl("POST", "reset")

    # -- helpers ------------------------------------------------------------
    def ingest(self, docs, delay_ms=0):
        body = ndjson(docs)
        return self.c.ctl("POST", "docs?visible_after_ms=%d" % delay_ms, body)

    def open_pit(self, index="services-logs-*", keep_alive="1m"):
        st, _, out = self.c.call("POST", "/%s/_pit?keep_alive=%s" % (index, keep_alive))
        self.assertEqual(st, 200, out)
        return out["id"]

    def page_all(self, pit_id, size, sort, keep_alive="1m", path="/_search", query=None,
                 order=None):
        """Page to the end; check that the sort values move strictly forward
        (order: +1/-1 per sort value, default all ascending)."""
        seen, pages, prev = [], 0, None
        after = None
        while True:
            body = {"size": size, "sort": sort, "track_total_hits": False}
            if pit_id:
                body["pit"] = {"id": pit_id, "keep_alive": keep_alive}
            if query:
                body["query"] = query
            if after is not None:
                body["search_after"] = after
            st, _, out = self.c.call("POST", path + "?allow_partial_search_results=false", body)
            self.assertEqual(st, 200, out)
            if pit_id:
                pit_id = out["pit_id"]
            hits = out["hits"]["hits"]
            pages += 1
            if not hits:
                return seen, pages, pit_id
            for h in hits:
                cur = [v * o if o < 0 else v
                       for v, o in zip(h["sort"], order or [1] * len(h["sort"]))]
                if prev is not None:
                    self.assertLess(prev, cur, "sort values must move strictly forward")
                prev = cur
                seen.append((h["_index"], h["_id"], h["_source"]["request_id"]))
            after = hits[-1]["sort"]

    # -- tests ------------------------------------------------------------------
    def test_root_info(self):
        st, resp, out = self.c.call("GET", "/")
        self.assertEqual(st, 200)
        self.assertEqual(out["version"]["number"], "8.15.0")
        self.assertEqual(out["tagline"], "You Know, for Search")
        for k in ("name", "cluster_name", "cluster_uuid"):
            self.assertIn(k, out)
        self.assertEqual(resp.getheader("X-elastic-product"), "Elasticsearch")
        self.assertTrue(resp.getheader("content-type").startswith("application/json"))

    def test_auth_401_and_api_key(self):
        st, resp, out = self.c.call("GET", "/", auth=False)
        self.assertEqual(st, 401)
        self.assertEqual(out["error"]["type"], "security_exception")
        self.assertEqual(out["error"]["reason"],
                         "missing authentication credentials for REST request [/]")
        self.assertEqual(out["status"], 401)
        www = resp.headers.get_all("WWW-Authenticate")
        self.assertIn('Basic realm="security", charset="UTF-8"', www)
        self.assertIn("ApiKey", www)
        bad = "Basic " + base64.b64encode(b"ece-auditd:wrong").decode()
        st, _, out = self.c.call("GET", "/_search", headers={"Authorization": bad})
        self.assertEqual(st, 401)
        self.assertIn("unable to authenticate user [ece-auditd]", out["error"]["reason"])
        st, _, out = self.c.call("GET", "/", headers={"Authorization": APIKEY})
        self.assertEqual(st, 200)
        badkey = "ApiKey " + base64.b64encode(("%s:nope" % API_KEY_ID).encode()).decode()
        st, _, out = self.c.call("GET", "/", headers={"Authorization": badkey})
        self.assertEqual(st, 401)
        st, _, out = self.c.call("GET", "/_security/_authenticate",
                                 headers={"Authorization": APIKEY})
        self.assertEqual((st, out["authentication_type"]), (200, "api_key"))

    def test_pit_open_search_close(self):
        self.ingest(gen_docs(40, days=0.5))
        pit = self.open_pit()
        st, _, out = self.c.call("POST", "/_search", {
            "size": 5, "pit": {"id": pit, "keep_alive": "1m"},
            "sort": [{"@timestamp": "asc"}, {"_shard_doc": "asc"}], "track_total_hits": False})
        self.assertEqual(st, 200, out)
        self.assertEqual(set(out), {"pit_id", "took", "timed_out", "_shards", "hits"})
        self.assertNotIn("total", out["hits"])
        self.assertIsNone(out["hits"]["max_score"])
        self.assertEqual(out["_shards"], {"total": 2, "successful": 2, "skipped": 0, "failed": 0})
        h = out["hits"]["hits"][0]
        self.assertEqual(set(h), {"_index", "_id", "_score", "_source", "sort"})
        self.assertIsNone(h["_score"])
        self.assertIsInstance(h["sort"][0], int)
        self.assertEqual(len(h["_id"]), 20)
        # with total hits
        st, _, out = self.c.call("POST", "/_search", {"size": 1, "pit": {"id": out["pit_id"]},
                                                      "sort": ["@timestamp"]})
        self.assertEqual(out["hits"]["total"], {"value": 40, "relation": "eq"})
        self.assertEqual(len(out["hits"]["hits"][0]["sort"]), 2, "implicit _shard_doc")
        st, _, out = self.c.call("DELETE", "/_pit", {"id": pit})
        self.assertEqual((st, out), (200, {"succeeded": True, "num_freed": 2}))
        st, _, out = self.c.call("DELETE", "/_pit", {"id": pit})
        self.assertEqual((st, out), (404, {"succeeded": False, "num_freed": 0}))
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "sort": ["@timestamp"]})
        self.assertEqual(st, 404)
        self.assertEqual(out["error"]["root_cause"][0]["type"], "search_context_missing_exception")

    def test_paging_exactly_once_two_indices(self):
        docs = gen_docs(3000, days=1.6, burst=250)
        self.ingest(docs)
        pit = self.open_pit()
        for sort in ([{"@timestamp": "asc"}, {"_shard_doc": "asc"}], [{"@timestamp": "asc"}]):
            seen, pages, _ = self.page_all(pit, 100, sort)
            self.assertEqual(len(seen), 3000)
            self.assertEqual(len(set(seen)), 3000)
            self.assertEqual({r for _, _, r in seen}, {d["request_id"] for d in docs})
            self.assertEqual(len({i for i, _, _ in seen}), 2, "two daily indices")
        st, _, out = self.c.call("POST", "/_search", {"size": 3000, "pit": {"id": pit},
                                                      "sort": [{"_shard_doc": "asc"}]})
        shards = {h["sort"][0] >> 32 for h in out["hits"]["hits"]}
        self.assertEqual(shards, {0, 1, 2, 3}, "2 indices x 2 shards in the PIT")

    def test_same_timestamp_more_than_page(self):
        docs = [doc_at("2026-11-20T10:00:00.000Z", "%032x" % i) for i in range(350)]
        docs += [doc_at("2026-11-20T10:00:00.000123Z", "b%031x" % i) for i in range(20)]
        self.ingest(docs)
        pit = self.open_pit()
        for sort, order in (([{"@timestamp": {"order": "asc",
                                              "format": "strict_date_optional_time_nanos"}},
                              {"_shard_doc": "desc"}], [1, -1]),
                            (["@timestamp"], None)):
            seen, pages, _ = self.page_all(pit, 100, sort, order=order)
            self.assertEqual(len(set(seen)), 370)
            self.assertEqual(len(seen), 370)
        st, _, out = self.c.call("POST", "/_search", {"size": 1, "pit": {"id": pit}, "sort": [
            {"@timestamp": {"order": "asc", "format": "strict_date_optional_time_nanos"}}]})
        self.assertEqual(out["hits"]["hits"][0]["sort"][0], "2026-11-20T10:00:00.000Z")

    def test_expired_pit_exact_404(self):
        self.ingest(gen_docs(10))
        pit = self.open_pit(keep_alive="300ms")
        time.sleep(0.45)
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit, "keep_alive": "1m"},
                                                      "sort": ["@timestamp"]})
        self.assertEqual(st, 404)
        self.assertEqual(set(out), CONTEXT_MISSING_KEYS)
        err = out["error"]
        self.assertEqual(err["type"], "search_phase_execution_exception")
        self.assertEqual(err["reason"], "all shards failed")
        self.assertEqual((err["phase"], err["grouped"]), ("query", True))
        self.assertEqual(err["root_cause"][0]["type"], "search_context_missing_exception")
        self.assertRegex(err["root_cause"][0]["reason"], r"^No search context found for id \[\d+\]$")
        self.assertEqual(out["status"], 404)
        # each search with pit.keep_alive extends the PIT
        pit = self.open_pit(keep_alive="400ms")
        for _ in range(3):
            time.sleep(0.25)
            st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit, "keep_alive": "400ms"},
                                                          "size": 1, "sort": ["@timestamp"]})
            self.assertEqual(st, 200, out)

    def test_pit_with_index_in_path_is_400(self):
        self.ingest(gen_docs(5))
        pit = self.open_pit()
        st, _, out = self.c.call("POST", "/services-logs-*/_search", {"pit": {"id": pit}})
        self.assertEqual(st, 400)
        self.assertEqual(out["error"]["type"], "action_request_validation_exception")
        self.assertEqual(out["error"]["reason"],
                         "Validation Failed: 1: [indices] cannot be used with point in time. "
                         "Do not specify any index with point in time.;")

    def test_request_validation(self):
        self.ingest(gen_docs(5))
        pit = self.open_pit()
        # allow_partial_search_results is a URL parameter, not a body key
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit},
                                                      "allow_partial_search_results": False})
        self.assertEqual(st, 400)
        self.assertEqual(out["error"]["type"], "parsing_exception")
        self.assertEqual(out["error"]["reason"],
                         "Unknown key for a VALUE_BOOLEAN in [allow_partial_search_results].")
        st, _, out = self.c.call("POST", "/_search?allow_partial_search_results=false",
                                 {"pit": {"id": pit}})
        self.assertEqual(st, 200)
        st, _, out = self.c.call("POST", "/services-logs-*/_pit?keepalive=1m")
        self.assertEqual(st, 400)
        self.assertIn("unrecognized parameter: [keepalive] -> did you mean [keep_alive]?",
                      out["error"]["reason"])
        st, _, out = self.c.call("POST", "/services-logs-*/_pit")
        self.assertEqual((st, out["error"]["type"]), (400, "action_request_validation_exception"))
        st, _, out = self.c.call("POST", "/services-logs-*/_pit?keep_alive=2d")
        self.assertEqual(st, 400)
        self.assertIn("Keep alive for request (2d) is too large", out["error"]["reason"])
        st, _, out = self.c.call("POST", "/_search", '{"size": ', )
        self.assertEqual((st, out["error"]["type"]), (400, "parsing_exception"))
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "sort": [{"x": "up"}]})
        self.assertEqual((st, out["error"]["type"]), (400, "x_content_parse_exception"))
        st, _, out = self.c.call("POST", "/services-logs-*/_search",
                                 {"sort": [{"_shard_doc": "asc"}]})
        self.assertEqual(st, 400)
        self.assertIn("[_shard_doc] sort field cannot be used without [point in time]",
                      out["error"]["reason"])
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "size": 10001})
        self.assertEqual(st, 400)
        self.assertIn("Result window is too large", json.dumps(out))
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "sort": ["_id"]})
        self.assertEqual(st, 400)
        self.assertIn("Fielddata access on the _id field is disallowed", json.dumps(out))
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "sort": ["nope"]})
        self.assertIn("No mapping found for [nope] in order to sort on", json.dumps(out))
        # the implicit tiebreaker is added only when search_after has len(sort)+1
        # values (or none), as in SearchRequest#rewrite
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "sort": ["@timestamp"],
                                                      "search_after": [1]})
        self.assertEqual(st, 200)
        self.assertEqual(len(out["hits"]["hits"][0]["sort"]), 1)
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "sort": ["@timestamp"],
                                                      "search_after": [1, 2, 3]})
        self.assertEqual(st, 400)
        self.assertIn("search_after has 3 value(s) but sort has 1.", json.dumps(out))
        st, _, out = self.c.call("POST", "/_search", b'{"size":1}',
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 406)
        self.assertEqual(out["error"],
                         "Content-Type header [application/x-www-form-urlencoded] is not supported")

    def test_index_not_found_and_empty_wildcard(self):
        st, _, out = self.c.call("POST", "/services-logs-nope/_pit?keep_alive=1m")
        self.assertEqual(st, 404)
        self.assertEqual(out["error"]["type"], "index_not_found_exception")
        self.assertEqual(out["error"]["reason"], "no such index [services-logs-nope]")
        self.assertEqual(out["error"]["index"], "services-logs-nope")
        st, _, out = self.c.call("POST", "/nothing-*/_pit?keep_alive=1m")
        self.assertEqual(st, 200)
        self.assertEqual(out["_shards"]["total"], 0)
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": out["id"]},
                                                      "sort": ["@timestamp"]})
        self.assertEqual((st, out["hits"]["hits"]), (200, []))

    def test_deny_index_403(self):
        self.c.ctl("POST", "indices?name=secret-logs")
        st, _, out = self.c.call("POST", "/secret-logs/_pit?keep_alive=1m")
        self.assertEqual(st, 403)
        self.assertEqual(out["error"]["type"], "security_exception")
        self.assertEqual(out["error"]["reason"],
                         "action [indices:data/read/open_point_in_time] is unauthorized for user "
                         "[ece-auditd] with effective roles [ece_audit_reader] on indices "
                         "[secret-logs], this action is granted by the index privileges [read,all]")

    def test_fault_errors_429_503(self):
        self.ingest(gen_docs(5))
        self.c.ctl("POST", "faults", {"error_rate": 1.0, "error_codes": [429], "seed": 1})
        st, _, out = self.c.call("POST", "/services-logs-*/_pit?keep_alive=1m")
        self.assertEqual(st, 429)
        self.assertIn(out["error"]["root_cause"][0]["type"],
                      ("es_rejected_execution_exception", "circuit_breaking_exception"))
        st, _, out = self.c.call("GET", "/")
        self.assertEqual(st, 200, "GET / is not faulted by default")
        self.c.ctl("POST", "faults", {"queue": [{"endpoint": "search", "action": "error",
                                                 "code": 503, "times": 2}]})
        pit = self.open_pit()
        codes = [self.c.call("POST", "/_search", {"pit": {"id": pit}})[0] for _ in range(3)]
        self.assertEqual(codes, [503, 503, 200])
        stats = self.c.ctl("GET", "stats")
        self.assertEqual(stats["faults"]["injected"].get("error:503"), 2)

    def test_fault_drop_connection(self):
        self.ingest(gen_docs(5))
        self.c.ctl("POST", "faults", {"queue": [{"endpoint": "open_pit", "action": "drop"}]})
        c = Client(self.port)
        c.conn = c._connect()
        c.conn.request("POST", "/services-logs-*/_pit?keep_alive=1m",
                       headers={"Authorization": BASIC})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
            c.conn.getresponse().read()
        c.close()
        self.c.ctl("POST", "faults", {"queue": [{"endpoint": "open_pit", "action": "drop",
                                                 "mode": "partial"}]})
        c.conn = c._connect()
        c.conn.request("POST", "/services-logs-*/_pit?keep_alive=1m",
                       headers={"Authorization": BASIC})
        with self.assertRaises(http.client.IncompleteRead):
            c.conn.getresponse().read()
        c.close()
        self.assertEqual(self.c.ctl("GET", "stats")["requests"]["open_pit"].get("drop"), 2)

    def test_fault_pit_expire_every_and_rotation(self):
        self.ingest(gen_docs(50))
        self.c.ctl("POST", "faults", {"pit_expire_every": 2})
        pit = self.open_pit()
        body = {"pit": {"id": pit, "keep_alive": "1m"}, "size": 5, "sort": ["@timestamp"]}
        self.assertEqual(self.c.call("POST", "/_search", body)[0], 200)
        self.assertEqual(self.c.call("POST", "/_search", body)[0], 200)
        st, _, out = self.c.call("POST", "/_search", body)
        self.assertEqual(st, 404)
        self.assertEqual(out["error"]["root_cause"][0]["type"], "search_context_missing_exception")
        self.c.ctl("POST", "faults", {"rotate_pit_id": True, "rotate_grace_ms": 300})
        pit = self.open_pit()
        seen, pages, last = self.page_all(pit, 10, ["@timestamp"])
        self.assertEqual(len(set(seen)), 50)
        self.assertNotEqual(pit, last)
        # the first id still works for a short while, then it is gone
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": last}, "size": 1})
        self.assertEqual(st, 200)
        time.sleep(0.4)
        self.assertEqual(self.c.call("POST", "/_search", {"pit": {"id": pit}, "size": 1})[0], 404)
        latest = self.c.ctl("GET", "stats")["searches"]
        self.assertTrue(all(s["pit_id_was_latest"] for s in latest[-(pages + 1):-1]))
        self.assertFalse(latest[-1]["pit_id_was_latest"])

    def test_fault_shard_failure(self):
        self.ingest(gen_docs(200))
        self.c.ctl("POST", "faults", {"shard_failure_rate": 1.0, "seed": 3})
        pit = self.open_pit()
        st, _, out = self.c.call("POST", "/_search", {"pit": {"id": pit}, "size": 500,
                                                      "sort": ["@timestamp"]})
        self.assertEqual(st, 200)
        self.assertEqual(out["_shards"]["failed"], 1)
        self.assertEqual(len(out["_shards"]["failures"]), 1)
        self.assertLess(len(out["hits"]["hits"]), 200, "the failed shard's docs are missing")
        st, _, out = self.c.call("POST", "/_search?allow_partial_search_results=false",
                                 {"pit": {"id": pit}, "size": 500, "sort": ["@timestamp"]})
        self.assertEqual(st, 503)
        self.assertEqual(out["error"]["type"], "search_phase_execution_exception")

    def test_slow_fault(self):
        self.c.ctl("POST", "faults", {"slow_ms": 300, "endpoints": ["root"]})
        t0 = time.monotonic()
        self.assertEqual(self.c.call("GET", "/")[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.28)

    def test_gzip_both_ways(self):
        self.ingest(gen_docs(100))
        pit = self.open_pit()
        body = gzip.compress(json.dumps({"pit": {"id": pit}, "size": 100,
                                         "sort": ["@timestamp"]}).encode())
        st, resp, data = self.c.call("POST", "/_search", body, raw=True, headers={
            "Accept-Encoding": "gzip", "Content-Encoding": "gzip"})
        self.assertEqual(st, 200)
        self.assertEqual(resp.getheader("content-encoding"), "gzip")
        self.assertEqual(int(resp.getheader("content-length")), len(data))
        out = json.loads(gzip.decompress(data))
        self.assertEqual(len(out["hits"]["hits"]), 100)
        st, resp, data = self.c.call("GET", "/", raw=True)
        self.assertIsNone(resp.getheader("content-encoding"))

    def test_late_visibility(self):
        self.ingest([doc_at("2026-11-20T10:00:00.000Z", "%032x" % i) for i in range(5)])
        self.ingest([doc_at("2026-11-20T09:00:00.000Z", "late%028x" % i) for i in range(3)],
                    delay_ms=400)
        early = self.open_pit()
        seen, _, _ = self.page_all(early, 10, ["@timestamp"])
        self.assertEqual(len(seen), 5)
        st, _, out = self.c.call("POST", "/services-logs-*/_search", {"size": 0,
                                                                      "track_total_hits": True})
        self.assertEqual(out["hits"]["total"]["value"], 5)
        time.sleep(0.5)
        seen, _, _ = self.page_all(self.open_pit(), 10, ["@timestamp"])
        self.assertEqual(len(seen), 8)
        self.assertTrue(seen[0][2].startswith("late"), "old timestamps sort first")
        seen, _, _ = self.page_all(early, 10, ["@timestamp"])
        self.assertEqual(len(seen), 5, "a PIT is a snapshot")
        stats = self.c.ctl("GET", "stats")
        self.assertEqual(stats["total_docs"], 8)

    def test_search_without_pit(self):
        docs = gen_docs(1200, burst=300)
        self.ingest(docs)
        seen, pages, _ = self.page_all(None, 100, [{"@timestamp": "asc"}, {"request_id": "asc"}],
                                       path="/services-logs-*/_search")
        self.assertEqual(len(seen), 1200)
        self.assertEqual(len(set(seen)), 1200)
        st, _, out = self.c.call("POST", "/services-logs-2026.11.20,services-logs-2026.11.21/"
                                         "_search", {"size": 0, "track_total_hits": True})
        self.assertEqual(out["hits"]["total"], {"value": 1200, "relation": "eq"})
        st, _, out = self.c.call("POST", "/services-logs-*/_search",
                                 {"size": 1, "sort": [{"request_id": "desc"}]})
        self.assertEqual(out["hits"]["hits"][0]["_source"]["request_id"],
                         max(d["request_id"] for d in docs))
        self.assertNotIn("pit_id", out)

    def test_queries_and_date_math(self):
        docs = [doc_at("2026-11-20T10:00:00.000Z", "a" * 32, **{"trace.id": "t1"}),
                doc_at("2026-11-20T10:04:00.000Z", "b" * 32, return_code=401),
                doc_at("2026-11-20T10:05:00.000Z", "c" * 32, user={"name": "x"}),
                doc_at("2026-11-20T10:06:00.500Z", "d" * 32)]
        self.ingest(docs)

        def count(q):
            st, _, out = self.c.call("POST", "/services-logs-*/_count", {"query": q})
            self.assertEqual(st, 200, out)
            return out["count"]
        self.assertEqual(count({"range": {"@timestamp": {
            "gte": "2026-11-20T10:05:00.000Z||-1m", "lt": "2026-11-20T10:05:00.000Z"}}}), 1)
        self.assertEqual(count({"range": {"@timestamp": {"gte": "2026-11-20T10:05:00Z",
                                                         "lte": "now"}}}), 2)
        self.assertEqual(count({"range": {"@timestamp": {"lte": "2026-11-20T10:00:00Z||/h"}}}), 4)
        self.assertEqual(count({"range": {"@timestamp": {"gt": "2026-11-20T10:00:00Z||/h"}}}), 0)
        self.assertEqual(count({"term": {"trace.id": "t1"}}), 1)
        self.assertEqual(count({"term": {"user.name": "x"}}), 1)
        self.assertEqual(count({"terms": {"return_code": [401, 500]}}), 1)
        self.assertEqual(count({"exists": {"field": "user.name"}}), 1)
        self.assertEqual(count({"bool": {"filter": [{"match_all": {}}],
                                         "must_not": [{"term": {"return_code": 401}}],
                                         "should": [{"term": {"request_id": "a" * 32}},
                                                    {"term": {"request_id": "c" * 32}}],
                                         "minimum_should_match": 1}}), 2)
        self.assertEqual(count({"range": {"@timestamp": {"gte": 1795168800000, "lt": 1795169000000,
                                                         "format": "epoch_millis"}}}), 1)
        st, _, out = self.c.call("POST", "/services-logs-*/_search", {"query": {"nope": {}}})
        self.assertEqual((st, out["error"]["type"]), (400, "parsing_exception"))
        st, _, out = self.c.call("POST", "/services-logs-*/_search", {
            "size": 10, "sort": [{"@timestamp": {"order": "desc",
                                                 "format": "strict_date_optional_time"}}],
            "_source": {"includes": ["request_id", "user.*"]}})
        hits = out["hits"]["hits"]
        self.assertEqual(hits[0]["sort"], ["2026-11-20T10:06:00.500Z"])
        self.assertEqual(hits[0]["_source"], {"request_id": "d" * 32})
        self.assertEqual(hits[1]["_source"], {"request_id": "c" * 32, "user": {"name": "x"}})

    def test_stats_record_search_bodies(self):
        self.ingest(gen_docs(10))
        pit = self.open_pit()
        self.c.call("POST", "/_search?allow_partial_search_results=false", {
            "size": 5, "pit": {"id": pit, "keep_alive": "1m"}, "track_total_hits": False,
            "sort": [{"@timestamp": "asc"}, {"_shard_doc": "asc"}]})
        stats = self.c.ctl("GET", "stats")
        last = stats["searches"][-1]
        self.assertEqual(last["body"]["track_total_hits"], False)
        self.assertEqual(last["body"]["pit"]["keep_alive"], "1m")
        self.assertEqual(last["params"]["allow_partial_search_results"], "false")
        self.assertTrue(last["pit_id_was_latest"])
        self.assertEqual(stats["open_pits"], 1)
        self.assertEqual(stats["requests"]["search"]["200"], 1)
        self.assertEqual(stats["indices"]["services-logs-2026.11.20"]["docs"] +
                         stats["indices"].get("services-logs-2026.11.21", {"docs": 0})["docs"], 10)

    def test_ilm_deletion(self):
        self.ingest(gen_docs(400, days=1.5))
        pit = self.open_pit()
        out = self.c.ctl("POST", "delete?index=services-logs-*&before=2026-11-20T12:00:00Z")
        self.assertGreater(out["deleted_docs"], 0)
        st, _, cnt = self.c.call("POST", "/services-logs-*/_count")
        self.assertEqual(cnt["count"], 400 - out["deleted_docs"])
        seen, _, _ = self.page_all(pit, 100, ["@timestamp"])
        self.assertEqual(len(seen), 400, "the PIT keeps deleted docs")
        self.c.ctl("POST", "delete?index=services-logs-2026.11.20")
        st, _, res = self.c.call("POST", "/_search", {"pit": {"id": pit}, "size": 1000,
                                                      "sort": ["@timestamp"]})
        self.assertEqual(st, 200)
        self.assertEqual(res["_shards"]["failed"], 2)
        self.assertEqual(res["_shards"]["failures"][0]["reason"]["type"],
                         "search_context_missing_exception")

    def test_index_admin_and_health(self):
        st, _, out = self.c.call("PUT", "/audit-x", {"settings": {"number_of_shards": 3}})
        self.assertEqual((st, out["acknowledged"]), (200, True))
        st, _, out = self.c.call("PUT", "/audit-x")
        self.assertEqual((st, out["error"]["type"]), (400, "resource_already_exists_exception"))
        self.assertEqual(self.c.call("HEAD", "/audit-x")[0], 200)
        st, _, out = self.c.call("POST", "/audit-x/_pit?keep_alive=1m")
        self.assertEqual(out["_shards"]["total"], 3)
        self.assertEqual(self.c.call("DELETE", "/audit-x")[0], 200)
        self.assertEqual(self.c.call("HEAD", "/audit-x")[0], 404)
        st, _, out = self.c.call("GET", "/_cluster/health")
        self.assertEqual(out["status"], "green")
        st, _, out = self.c.call("GET", "/_pit")
        self.assertEqual(st, 405)


class ProcessTest(unittest.TestCase):
    """Tests that need their own emulator process."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="es-emu-proc-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_sigterm_clean_exit_and_data_file(self):
        data = os.path.join(self.tmp, "d.ndjson")
        with open(data, "w") as f:
            f.write(ndjson(gen_docs(100)))
        proc, port = start_emulator(self.tmp, "--data", data)
        c = Client(port, auth=None)
        st, _, out = c.call("POST", "/services-logs-*/_count")
        self.assertEqual((st, out["count"]), (200, 100))
        st, _, out = c.call("POST", "/_emulator/docs", "{}")
        self.assertEqual(st, 400, "control API is off without --control")
        c.close()
        self.assertEqual(stop_emulator(proc), 0)

    @unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
    def test_tls(self):
        key, cert = os.path.join(self.tmp, "k.pem"), os.path.join(self.tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        proc, port = start_emulator(self.tmp, "--tls-cert", cert, "--tls-key", key,
                                    "--api-key", "%s:%s" % (API_KEY_ID, API_KEY))
        try:
            # a client that never handshakes must not block the server
            idle = socket.create_connection(("127.0.0.1", port))
            ctx = ssl.create_default_context(cafile=cert)
            c = Client(port, auth=APIKEY, tls_ctx=ctx)
            st, _, out = c.call("GET", "/")
            self.assertEqual((st, out["tagline"]), (200, "You Know, for Search"))
            c.close()
            idle.close()
            bad = ssl.create_default_context()
            with self.assertRaises(ssl.SSLError):
                Client(port, tls_ctx=bad).call("GET", "/")
        finally:
            self.assertEqual(stop_emulator(proc), 0)


def bench(count, page):
    tmp = tempfile.mkdtemp(prefix="es-emu-bench-")
    try:
        data = os.path.join(tmp, "docs.ndjson")
        es_load.main(["--count", str(count), "--out", data, "--burst", "1500"])
        t0 = time.monotonic()
        proc, port = start_emulator(tmp, "--data", data, wait=300)
        print("emulator loaded %d docs in %.1fs" % (count, time.monotonic() - t0))
        c = Client(port, auth=None)
        for label, headers in (("identity", {}), ("gzip", {"Accept-Encoding": "gzip"})):
            t0 = time.perf_counter()
            st, _, out = c.call("POST", "/services-logs-*/_pit?keep_alive=1m", headers=headers)
            pit, after, n, wire = out["id"], None, 0, 0
            while True:
                body = {"size": page, "pit": {"id": pit, "keep_alive": "1m"},
                        "sort": [{"@timestamp": "asc"}, {"_shard_doc": "asc"}],
                        "track_total_hits": False}
                if after:
                    body["search_after"] = after
                st, resp, data = c.call("POST", "/_search", body, headers=headers, raw=True)
                wire += len(data)
                if resp.getheader("content-encoding") == "gzip":
                    data = gzip.decompress(data)
                # find what the client needs without parsing every hit
                k = data.count(b'"_index":')
                pit = json.loads(data[:data.index(b',"took"')] + b"}")["pit_id"]
                if k == 0:
                    break
                n += k
                i = data.rindex(b'"sort":[')
                after = json.loads(data[i + 7:data.index(b"]", i) + 1])
            dt = time.perf_counter() - t0
            c.call("DELETE", "/_pit", {"id": pit})
            print("%-8s %d docs, page %d: %.2fs, %.0f docs/s, %.1f MB on the wire"
                  % (label, n, page, dt, n / dt, wire / 1e6))
        c.close()
        stop_emulator(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    if argv and argv[0] == "--bench":
        bench(int(argv[1]) if len(argv) > 1 else 100000, int(argv[2]) if len(argv) > 2 else 1000)
        return 0
    verbosity = 2 if "-v" in argv else 1
    names = [a for a in argv if not a.startswith("-")]
    loader = unittest.defaultTestLoader
    mod = sys.modules[__name__]
    suite = loader.loadTestsFromNames(names, mod) if names else loader.loadTestsFromModule(mod)
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
