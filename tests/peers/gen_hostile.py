#!/usr/bin/python3
"""Write a corpus of hostile ECE audit documents (one per line) to FILE.
Every line is a request document (so each must yield exactly one message) or garbage
(which must yield one agent.malformed_document message). Prints the line count."""
import json, sys

T = "2026-11-20T06:58:12.104Z"
INJ = ["a|b", "a=b", "a\\b", "a\\", "x\ty", "l1\nl2", "l1\r\nl2", "<13>1 2026-01-01T00:00:00Z evil app - - - injected",
       "]\"[ece@1 x=\"y\"]", "Zürich ☃ 日本 😀", "CEF:0|x|y|z|a|b|1|", "LEEF:2.0|a|b|c|d|^|", "^caret^",
       "%s%n%x", "\u0001\u0002\u001f\u007f", "   padded   ", "=" * 50, "\\" * 50, "|" * 50]


def docs():
    for v in INJ:
        yield json.dumps({"@timestamp": T, "request_id": "0" * 32, "method": "POST",
                          "path": "https://h:12443/api/v1/deployments", "admin_id": v,
                          "payload": {"name": v}, "return_code": 201})
        yield json.dumps({"@timestamp": T, "request_method": "PATCH", "request_url": "h:12443/api/v1/users/" + v.replace("/", ""),
                          "status_code": "200", "auth_user": v, "user_agent": v, "client_ip": "10.0.0.1:5",
                          "request_payload": json.dumps({"security": {"roles": [v]}}), "request_id": "1" * 32})
    # numbers as strings, strings as numbers, wrong types
    yield json.dumps({"@timestamp": T, "method": "DELETE", "path": "/api/v1/deployments/abc", "return_code": "404", "admin_id": 42})
    yield json.dumps({"@timestamp": T, "request_method": "POST", "request_url": "h:1/api/v1/users/auth/_login",
                      "status_code": 401, "request_payload": {"username": "obj-not-string"}})
    yield json.dumps({"@timestamp": T, "method": ["GET"], "path": {"x": 1}, "return_code": None, "payload": [1, 2]})
    # duplicate keys (last one wins in json-c), missing everything but time and method
    yield '{"@timestamp":"%s","method":"PUT","method":"DELETE","path":"/api/v1/deployments/x","path":"/api/v1/users/u"}' % T
    yield json.dumps({"@timestamp": T, "method": "POST"})
    # deep nesting in the payload
    yield '{"@timestamp":"%s","method":"POST","path":"/api/v1/deployments","payload":%s1%s}' % (T, '{"a":' * 500, '}' * 500)
    # 10 MB payload and a huge path
    yield json.dumps({"@timestamp": T, "method": "POST", "path": "/api/v1/deployments", "payload": {"name": "big", "x": "y" * (10 * 1024 * 1024)}})
    yield json.dumps({"@timestamp": T, "method": "DELETE", "path": "/api/v1/deployments/" + "d" * 100000})
    # 6/9 fraction digits and offsets
    yield json.dumps({"@timestamp": "2026-11-20T06:58:12.104123+02:00", "method": "DELETE", "path": "/api/v1/deployments/x"})
    yield json.dumps({"@timestamp": "2026-11-20T06:58:12.104123456Z", "method": "DELETE", "path": "/api/v1/deployments/x"})
    # escaped NUL and invalid surrogates inside JSON strings
    yield '{"@timestamp":"%s","method":"POST","path":"/api/v1/users","admin_id":"nul\\u0000byte","payload":{"name":"\\ud800x"}}' % T


def garbage():
    yield b'{"@timestamp":"2026-11-20T06:58:12.104Z","method":"DELETE"'  # truncated
    yield b'not json at all'
    yield b'{"@timestamp":"2026-11-20T06:58:12.104Z","method":"DELETE","admin_id":"\xff\xfe\xc3("}'  # invalid UTF-8
    yield b'{"method":"DELETE","admin_id":"raw\x00nul"}'
    yield b'[]'
    yield b'{"no":"timestamp","method":"POST","path":"/api/v1/users"}'


def main():
    n = 0
    with open(sys.argv[1], "wb") as f:
        for d in docs():
            f.write(d.encode("utf-8", "surrogatepass") + b"\n")
            n += 1
        for g in garbage():
            f.write(g + b"\n")
            n += 1
    print(n)


if __name__ == "__main__":
    main()
