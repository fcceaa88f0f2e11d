#!/usr/bin/env python3
"""A small HTTP/1.1 service for the forwarding tests (docs/forwarding.md).

GET  /healthz           200 "ok"
GET  /admin/delay?ms=N  from now on, every request (this one excepted) is
                        answered N ms late: a slow instance (the lab's
                        slow-instance scenario); 0 restores
GET  /.../blob?size=N   N bytes of a fixed pattern; X-SHA256 header has their digest
                        (&close: with Connection: close, closing after the body;
                        &chunked: sent with Transfer-Encoding: chunked)
GET  anything else      JSON {"service": NAME, "path": PATH, "method": "GET"}
POST anything           reads the body (Content-Length or chunked) and answers
                        JSON {"service": NAME, "bytes": N, "sha256": HEX}

Usage: test_service.py ADDRESS PORT NAME
It prints "ready" on stdout once listening, and exits when stdin closes
(so a test that dies never leaves it behind).
"""
import hashlib
import http.server
import json
import sys
import threading
import urllib.parse

PATTERN = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(1 << 16))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "damc-test-service"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def slow_down(self):
        """A slow instance answers late: until its delay has passed, or at
        once when it is made fast again (the answers held back go out)."""
        if self.server.delay_ms > 0:
            self.server.fast.wait(self.server.delay_ms / 1000)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/admin/delay":
            self.server.delay_ms = max(0, int(query.get("ms", ["0"])[0]))
            if self.server.delay_ms > 0:
                self.server.fast.clear()
            else:
                self.server.fast.set()
            self.reply(200, json.dumps({"delay_ms": self.server.delay_ms}).encode() + b"\n")
            return
        self.slow_down()
        if url.path == "/healthz":
            self.reply(200, b"ok\n")
            return
        if url.path.endswith("/blob"):
            size = int(query.get("size", ["0"])[0])
            digest = hashlib.sha256()
            left = size
            while left > 0:
                chunk = PATTERN[: min(left, len(PATTERN))]
                digest.update(chunk)
                left -= len(chunk)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            chunked = "chunked" in query
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(size))
            self.send_header("X-SHA256", digest.hexdigest())
            if "close" in query:   # the instance closes once the body is out
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            left = size
            while left > 0:
                chunk = PATTERN[: min(left, len(PATTERN))]
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                else:
                    self.wfile.write(chunk)
                left -= len(chunk)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            return
        body = json.dumps({"service": self.server.name, "path": self.path, "method": "GET"}).encode() + b"\n"
        self.reply(200, body)

    def read_into(self, digest, count):
        """Reads count body bytes into digest; False if the client went away."""
        while count > 0:
            data = self.rfile.read(min(count, 1 << 20))
            if not data:
                return False
            digest.update(data)
            count -= len(data)
        return True

    def do_POST(self):
        self.slow_down()
        digest = hashlib.sha256()
        total = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                if not self.read_into(digest, size):
                    return
                total += size
                self.rfile.readline()
        else:
            total = int(self.headers.get("Content-Length", "0"))
            if not self.read_into(digest, total):
                return
        body = json.dumps({"service": self.server.name, "bytes": total, "sha256": digest.hexdigest()}).encode() + b"\n"
        self.reply(200, body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    address, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = Server((address, port), Handler)
    server.name = name
    server.delay_ms = 0
    server.fast = threading.Event()
    server.fast.set()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
