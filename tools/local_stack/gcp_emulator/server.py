"""The emulator's threaded HTTP server (127.0.0.1 only).

    python tools/local_stack/gcp_emulator/server.py --port 6100     (stack.py service "gce")

Paths:
  /compute/v1/...      Compute Engine (compute.v1.json routes)
  /storage/v1/...      Cloud Storage buckets and object metadata (storage.v1.json routes)
  /upload/storage/v1/b/{bucket}/o   objects.insert with uploadType=media or multipart
  GET  /emulator/ready     200 once the discovery documents are loaded (the stack's readiness path)
  POST /emulator/reset     forget every resource and every pending fault (tests)
  POST /emulator/faults    {"method": "POST", "path": "REGEX", "code": 429, "reason": "rateLimitExceeded",
                            "count": 2}: the next `count` matching requests fail with that error
                            before routing (tests of retries); GET lists the pending faults

A request is routed by the discovery document, its parameters and body validated against it
(400 with the field named), then served by the store. The official clients point here with
client_options={"api_endpoint": "http://127.0.0.1:PORT"} (compute_v1, transport "rest"; the
storage client) or http://127.0.0.1:PORT/compute/v1/ (google-api-python-client).
"""

import argparse
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gcp_emulator import discovery  # noqa: E402
from gcp_emulator.compute import ComputeStore  # noqa: E402
from gcp_emulator.errors import ApiError  # noqa: E402
from gcp_emulator.storage import StorageStore, upload_body  # noqa: E402

MAX_BODY = 8 * 1024 * 1024
UPLOAD_PREFIX = "/upload/storage/v1/"
# Google's reason for an injected status when the fault names none (Compute throttles with 403
# rateLimitExceeded, other APIs with 429).
_FAULT_REASONS = {403: "rateLimitExceeded", 429: "rateLimitExceeded", 500: "backendError", 503: "backendError"}


class Emulator:
    """The APIs, their stores and the dispatch of one request; independent of HTTP for tests."""

    def __init__(self, documents=None):
        compute_api = discovery.load("compute", documents)
        storage_api = discovery.load("storage", documents)
        self.services = {
            compute_api.service_path: (compute_api, ComputeStore(compute_api)),
            storage_api.service_path: (storage_api, StorageStore(storage_api)),
        }
        self.faults = []
        self._faults_lock = threading.Lock()

    def reset(self):
        for service in self.services.values():
            service[1].reset()
        with self._faults_lock:
            self.faults = []

    def add_fault(self, spec):
        """Queue an injected error: the next spec["count"] requests matching method and path regex fail."""
        if not isinstance(spec, dict) or not isinstance(spec.get("code"), int) or not 400 <= spec["code"] <= 599:
            raise ApiError(400, "invalid", "A fault needs an integer 'code' between 400 and 599.", field="code")
        fault = {
            "method": str(spec.get("method", "")).upper(), "path": str(spec.get("path", "")),
            "code": spec["code"], "reason": str(spec.get("reason") or _FAULT_REASONS.get(spec["code"], "backendError")),
            "message": str(spec.get("message") or "Injected fault"), "count": int(spec.get("count", 1)),
        }
        try:
            re.compile(fault["path"])
        except re.error as err:
            raise ApiError(400, "invalid", "Invalid value for field 'path': %s" % err, field="path")
        with self._faults_lock:
            self.faults.append(fault)
        return fault

    def _injected(self, http_method, path):
        with self._faults_lock:
            for fault in self.faults:
                if fault["count"] > 0 and fault["method"] in ("", http_method) and re.search(fault["path"], path):
                    fault["count"] -= 1
                    self.faults = [f for f in self.faults if f["count"] > 0]
                    return ApiError(fault["code"], fault["reason"], fault["message"])
        return None

    def dispatch(self, http_method, raw_path, raw_body):
        """(status, JSON-able answer or None) for one request."""
        parts = urlsplit(raw_path)
        injected = self._injected(http_method, parts.path)
        if injected:
            raise injected
        # Media uploads (objects.insert) come on /upload/storage/v1/...: the method's mediaUpload path.
        upload = parts.path.startswith(UPLOAD_PREFIX)
        path = parts.path[len(UPLOAD_PREFIX) - len("/storage/v1/"):] if upload else parts.path
        for prefix, (api, store) in self.services.items():
            if path.startswith(prefix):
                break
        else:
            raise ApiError(404, "notFound", "No API at %s (this emulator serves /compute/v1/ and /storage/v1/)"
                           % parts.path)
        method, path_params = api.route(http_method, path[len(prefix):])
        query = parse_qs(parts.query, keep_blank_values=True)
        params = api.validate_params(method, path_params, query)
        body = None
        if method.id == "storage.objects.insert":
            body, params["_data"] = upload_body(upload, params, raw_body)
            api.validate_body(method, body)
        elif method.request:
            try:
                body = json.loads(raw_body or b"{}")
            except ValueError as err:
                raise ApiError(400, "parseError", "Invalid JSON payload received. %s" % err)
            api.validate_body(method, body)
        return store.handle(method, params, body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle's algorithm on, each keep-alive answer waits
    # for the client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True
    server_version = "meridian-gcp-emulator"
    emulator = None  # set by make_server

    def _serve(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            return self._send(400, ApiError(400, "invalid", "Invalid Content-Length").body())
        if length > MAX_BODY:
            self.close_connection = True
            return self._send(413, ApiError(413, "invalid", "Request body too large").body())
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path == "/emulator/ready":
            return self._send(200, {"ready": True, "apis": sorted(self.emulator.services)})
        if path == "/emulator/reset" and self.command == "POST":
            self.emulator.reset()
            return self._send(200, {"reset": True})
        if path == "/emulator/faults":
            try:
                if self.command == "POST":
                    return self._send(200, self.emulator.add_fault(json.loads(raw or b"{}")))
            except ValueError as err:
                return self._send(400, ApiError(400, "parseError", "Invalid JSON: %s" % err).body())
            except ApiError as err:
                return self._send(err.code, err.body())
            with self.emulator._faults_lock:  # pylint: disable=protected-access
                return self._send(200, {"faults": [dict(f) for f in self.emulator.faults]})
        try:
            status, answer = self.emulator.dispatch(self.command, self.path, raw)
        except ApiError as err:
            status, answer = err.code, err.body()
        except Exception as err:  # an emulator bug: answer 500 in Google's shape, keep serving
            self.log_error("internal error on %s %s: %r", self.command, self.path, err)
            status, answer = 500, ApiError(500, "backendError", "Internal error in the emulator: %r" % err).body()
        self._send(status, answer)

    def _send(self, status, answer):
        data = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        if answer is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, fmt, *args):
        if os.environ.get("MERIDIAN_GCE_LOG"):
            super().log_message(fmt, *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(port, host="127.0.0.1", documents=None):
    """A Server bound to host:port (port 0: a free one) with a fresh Emulator; call serve_forever()."""
    handler = type("BoundHandler", (Handler,), {"emulator": Emulator(documents)})
    return Server((host, port), handler)


def start_in_thread(port=0):
    """(server, thread, base URL) with the server running in a daemon thread; server.shutdown() stops it."""
    server = make_server(port)
    thread = threading.Thread(target=server.serve_forever, name="gcp-emulator", daemon=True)
    thread.start()
    return server, thread, "http://127.0.0.1:%d" % server.server_address[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1"],
                        help="only 127.0.0.1: the emulator is never exposed")
    args = parser.parse_args(argv)
    server = make_server(args.port, args.host)
    print("gcp emulator listening on http://%s:%d" % (args.host, args.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
