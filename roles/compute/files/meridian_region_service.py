#!/usr/bin/env python
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service endpoint of one region: reports its region and reads its database.

Usage: meridian_region_service.py --region REGION --port PORT --db-port DBPORT [--db-host HOST]
       [--bind ADDRESS] [--health-path PATH ...] [--db-name NAME] [--db-user USER]
       [--db-password-file FILE | --db-secret-id SECRET] [--db-sslmode MODE]

GET /          200 {"region": ...} (liveness)
GET /healthz   200 when the region's database answers, 503 otherwise; the JSON body holds region,
               db_role (primary | standby), db_port, last_marker (highest sequence in meridian_dr_markers,
               0 when the table is empty or missing) and error (null when healthy). Every --health-path
               (the service's health path behind the load balancer) answers the same.
The contract of tools/local_stack/region_service.py and of the failover drill. Python 3 standard
library plus psycopg (3) or psycopg2; the password comes from a file, from an AWS Secrets Manager
secret (read with the AWS CLI, for example the secret RDS manages for its master user: JSON with
"username" and "password"), or from the environment variable MERIDIAN_DB_PASSWORD.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import psycopg as _pg
except ImportError:
    try:
        import psycopg2 as _pg
    except ImportError:  # reported on every request
        _pg = None

_SECRET_TTL = 300


class Credentials:
    """The database user and password, from a file, a Secrets Manager secret or the environment."""

    def __init__(self, user, password_file=None, secret_id=None, region=None):
        self.user = user
        self.password_file = password_file
        self.secret_id = secret_id
        self.region = region
        self._cached = None

    def get(self):
        if self.password_file:
            with open(self.password_file) as handle:
                return self.user, handle.read().strip()
        if self.secret_id:
            if self._cached is None or time.monotonic() - self._cached[0] > _SECRET_TTL:
                out = subprocess.run(["aws", "secretsmanager", "get-secret-value", "--secret-id", self.secret_id,
                                      "--region", self.region, "--query", "SecretString", "--output", "text"],
                                     capture_output=True, text=True, timeout=10, check=True).stdout
                secret = json.loads(out)
                self._cached = (time.monotonic(), secret.get("username") or self.user, secret["password"])
            return self._cached[1], self._cached[2]
        return self.user, os.environ.get("MERIDIAN_DB_PASSWORD") or None


def read_database(host, port, dbname="postgres", credentials=None, sslmode="prefer", timeout=3):
    if _pg is None:
        return {"db_role": None, "last_marker": None, "error": "psycopg is not installed"}
    if not host:
        return {"db_role": None, "last_marker": None, "error": "no database host is configured for this region"}
    try:
        user, password = (credentials or Credentials("postgres")).get()
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as err:
        return {"db_role": None, "last_marker": None, "error": "database credentials: %s" % err}
    try:
        conn = _pg.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                           connect_timeout=timeout, sslmode=sslmode)
        try:
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("SELECT pg_is_in_recovery()")
            in_recovery = cur.fetchone()[0]
            cur.execute("SELECT to_regclass('public.meridian_dr_markers') IS NOT NULL")
            last = 0
            if cur.fetchone()[0]:
                cur.execute("SELECT coalesce(max(seq), 0) FROM meridian_dr_markers")
                last = cur.fetchone()[0]
        finally:
            conn.close()
        return {"db_role": "standby" if in_recovery else "primary", "last_marker": int(last), "error": None}
    except _pg.Error as err:
        text = str(err).strip().splitlines()
        return {"db_role": None, "last_marker": None, "error": text[0] if text else type(err).__name__}


def make_handler(region, db_host, db_port, health_paths=("/healthz",), reader=None):
    reader = reader or (lambda: read_database(db_host, db_port))
    health_paths = frozenset(health_paths) | {"/healthz"}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code, body):
            data = (json.dumps(body, sort_keys=True) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server naming)
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, {"region": region})
            elif path in health_paths:
                body = {"region": region, "db_port": db_port}
                body.update(reader())
                self._send(200 if body["error"] is None else 503, body)
            else:
                self._send(404, {"error": "not found", "region": region})

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (region, fmt % args))

    return Handler


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db-port", type=int, required=True)
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--health-path", action="append", default=[])
    parser.add_argument("--db-name", default="postgres")
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--db-password-file")
    parser.add_argument("--db-secret-id")
    parser.add_argument("--db-sslmode", default="prefer")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    credentials = Credentials(args.db_user, args.db_password_file, args.db_secret_id, args.region)

    def reader():
        return read_database(args.db_host, args.db_port, args.db_name, credentials, args.db_sslmode)

    handler = make_handler(args.region, args.db_host, args.db_port, args.health_path, reader)
    server = ThreadingHTTPServer((args.bind, args.port), handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
