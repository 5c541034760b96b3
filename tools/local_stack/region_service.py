#!/usr/bin/env python
"""The service endpoint of one region on the local stack: reports its region and reads its database.

Usage: region_service.py --region REGION --port PORT --db-port DBPORT --db-password-file FILE
                         [--db-host 127.0.0.1]

GET /          200 {"region": ...} (liveness; the stack's readiness check)
GET /healthz   200 when the region's database answers, 503 otherwise; the JSON body holds
               region, db_role (primary | standby), db_port, last_marker (highest sequence in
               meridian_dr_markers, 0 when the table is empty or missing) and error.
Listens on 127.0.0.1 only. The database password is read from FILE (the pair's password file,
<state>/pg_password, mode 0600) at each connection, so a pair started after the endpoint, or
rebuilt with a new password, is read without a restart; it is never logged nor put in a response.
"""

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statedir  # noqa: E402

try:
    import psycopg
except ImportError:  # pragma: no cover - reported on every request
    psycopg = None


def read_database(host, port, password_file, timeout=3):
    if psycopg is None:
        return {"db_role": None, "last_marker": None, "error": "psycopg is not installed"}
    try:
        password = statedir.secret(password_file)
    except statedir.UnsafeStateError as err:
        return {"db_role": None, "last_marker": None, "error": str(err)}
    try:
        with psycopg.connect(host=host, port=port, user="postgres", password=password, dbname="postgres",
                             connect_timeout=timeout, autocommit=True) as conn:
            in_recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            exists = conn.execute("SELECT to_regclass('public.meridian_dr_markers') IS NOT NULL").fetchone()[0]
            last = 0
            if exists:
                last = conn.execute("SELECT coalesce(max(seq), 0) FROM meridian_dr_markers").fetchone()[0]
        return {"db_role": "standby" if in_recovery else "primary", "last_marker": int(last), "error": None}
    except psycopg.Error as err:
        return {"db_role": None, "last_marker": None, "error": str(err).strip().splitlines()[0]}


def make_handler(region, db_host, db_port, password_file):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, code, body):
            data = (json.dumps(body, sort_keys=True) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server naming)
            if self.path == "/":
                self._send(200, {"region": region})
            elif self.path == "/healthz":
                body = {"region": region, "db_port": db_port}
                body.update(read_database(db_host, db_port, password_file))
                self._send(200 if body["error"] is None else 503, body)
            else:
                self._send(404, {"error": "not found", "region": region})

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (region, fmt % args))

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db-port", type=int, required=True)
    parser.add_argument("--db-password-file", required=True)
    parser.add_argument("--db-host", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port),
                                 make_handler(args.region, args.db_host, args.db_port, args.db_password_file))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
