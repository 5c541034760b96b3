# -*- coding: utf-8 -*-
"""Print the Cloud Storage buckets of a project whose name starts with PREFIX as JSON, read through the
official client (google-cloud-storage) on the local emulator (verify and cleanup steps).

Usage: python read_buckets.py ENDPOINT PROJECT PREFIX
"""

from __future__ import absolute_import, division, print_function

import json
import sys

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage


def main(argv):
    endpoint, project, prefix = argv
    client = storage.Client(project=project, credentials=AnonymousCredentials(),
                            client_options={"api_endpoint": endpoint})
    out = {}
    for bucket in client.list_buckets(prefix=prefix):
        iam = bucket.iam_configuration
        out[bucket.name] = {
            "location": bucket.location,
            "data_locations": bucket.data_locations or [],
            "versioning": bucket.versioning_enabled,
            "uniform_access": iam.uniform_bucket_level_access_enabled,
            "public_access_prevention": iam.public_access_prevention,
            "labels": dict(bucket.labels or {}),
            "lifecycle_rules": list(bucket.lifecycle_rules),
        }
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
