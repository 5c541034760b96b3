# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options shared by the gce_* modules (action group meridian.global_infra.gce).
    DOCUMENTATION = r"""
options:
  project:
    description:
      - The Google Cloud project id the resource lives in.
      - Falls back to the E(GCP_PROJECT) environment variable.
    type: str
    required: true
  auth_kind:
    description:
      - How to get credentials.
      - V(application) uses Application Default Credentials (E(GOOGLE_APPLICATION_CREDENTIALS),
        the credentials of C(gcloud auth application-default login), or the metadata server of a Google Cloud VM).
      - V(serviceaccount) reads the key file O(service_account_file).
      - V(accesstoken) uses O(access_token) as it is (it is not refreshed).
      - V(none) sends no credentials, for the collection's local Compute Engine emulator only.
      - Falls back to the E(GCP_AUTH_KIND) environment variable.
    type: str
    choices: [application, serviceaccount, accesstoken, none]
    default: application
  service_account_file:
    description:
      - Path to a service-account key file (JSON), with O(auth_kind=serviceaccount).
      - Falls back to the E(GCP_SERVICE_ACCOUNT_FILE) environment variable.
    type: path
  access_token:
    description:
      - An OAuth2 access token, with O(auth_kind=accesstoken).
      - Falls back to the E(GCP_ACCESS_TOKEN) environment variable.
    type: str
  api_endpoint:
    description:
      - The Compute Engine API endpoint, with its scheme, instead of V(https://compute.googleapis.com),
        for example V(http://127.0.0.1:6100) for the local emulator.
      - Falls back to the E(GCE_API_ENDPOINT) environment variable.
    type: str
notes:
  - Calls are retried with jittered exponential backoff on HTTP 429, 5xx and C(rateLimitExceeded);
    every write waits until its operation is C(DONE).
requirements:
  - google-cloud-compute
  - google-auth
"""
