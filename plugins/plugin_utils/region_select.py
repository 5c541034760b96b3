# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side region selection shared by the region_select lookup and inventory plugin.

``choose(options)`` runs ``regions.plan.select_regions`` and turns its errors into Ansible errors of
the caller's class; ``options_digest`` keys cached choices; ``write_text_atomic`` writes a pin file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import tempfile

from ansible.errors import AnsibleError

try:
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import RegionSelectionError
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions.plan import DEFAULTS, region_bounds, select_regions
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions.optimize import HAS_NUMPY
    IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without numpy/scipy
    IMPORT_ERROR = exc
    HAS_NUMPY = False
    DEFAULTS = {}
    region_bounds = select_regions = None

    class RegionSelectionError(ValueError):
        pass

# The options of select_regions, in a stable order (the lookup's and the inventory source's keys).
OPTION_NAMES = tuple(sorted(DEFAULTS))


def can_select():
    """None when the selection can run here, else what to install."""
    if IMPORT_ERROR is not None or not HAS_NUMPY:
        return "region_select needs numpy and scipy on the controller: pip install numpy scipy (%s)" % (IMPORT_ERROR,)
    return None


def max_regions(options):
    """The most regions the options let the selection choose (``regions.plan.region_bounds``)."""
    return region_bounds(options)[1]


def choose(options, error_class=AnsibleError):
    """The ``select_regions`` result for the options; errors become ``error_class`` naming the option."""
    missing = can_select()
    if missing:
        raise error_class(missing)
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise error_class("region_select: unknown option %s; known: %s" % (unknown[0], ", ".join(OPTION_NAMES)))
    try:
        return plain(select_regions(options))
    except RegionSelectionError as err:
        raise error_class("region_select: %s" % err)
    except (ValueError, TypeError) as err:
        raise AnsibleError("region_select: unexpected input: %s" % err)


def plain(value):
    """The value with JSON types only (numpy scalars become Python numbers), for variables and caches."""
    return json.loads(json.dumps(value, default=_scalar))


def _scalar(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError("%r is not JSON serialisable" % (value,))


def options_digest(options):
    """A stable digest of the options (the key of a cached choice)."""
    text = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_text_atomic(path, text, mode=0o644):
    """Write text to path through a temporary file in the same directory and a rename."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
