# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drill's PostgreSQL connections (psycopg 3): one place that connects and writes a marker.

``dr_markers`` (markers before the fault, reads, fence, promotion) and ``dr_writer`` (the writer
that keeps writing through the failover name during the drill) connect through ``connect``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

try:
    import psycopg
except ImportError:  # the modules report the missing library
    psycopg = None

TABLE = "meridian_dr_markers"


class MarkersDbError(MeridianError):
    """A connection that cannot be made; ``field`` names the option to fix."""


def connect(host, port, user, password=None, database="postgres", connect_timeout=5):
    """An autocommit connection; MarkersDbError naming ``host`` when it cannot be made."""
    kwargs = dict(host=host, port=port, user=user, dbname=database, connect_timeout=connect_timeout, autocommit=True)
    if password:
        kwargs["password"] = password
    try:
        return psycopg.connect(**kwargs)
    except psycopg.Error as err:
        raise MarkersDbError("host", "cannot connect to PostgreSQL at %s:%d as %s: %s; check host, port, user and "
                                     "password (or PGPASSWORD) and that the server runs" % (host, port, user, str(err).strip()))


def insert_marker(conn, drill_id, seq):
    """Insert one marker in its own transaction (autocommit): returns once the commit is acknowledged,
    which with synchronous replication (remote_apply) means the standby has applied it."""
    conn.execute("INSERT INTO %s (drill_id, seq) VALUES (%%s, %%s)" % TABLE, (drill_id, seq))
