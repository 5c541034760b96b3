"""The one retry policy of every AWS call the collection makes itself.

amazon.aws's ``AWSRetry.jittered_backoff`` (full-jitter exponential backoff) on throttling and the
transient errors amazon.aws already lists, plus the throttling codes of the services used here that
it does not list. Single calls are retried; a paginated listing is retried as one unit (never the
paginator itself), with ``paginate_all``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

RETRIES = 10
DELAY = 1
MAX_DELAY = 30
# Throttling as Route 53 (PriorRequestNotComplete, Throttling), EC2 (RequestLimitExceeded) and
# Auto Scaling (Throttling) name it, and the transient server-side errors.
CATCH_EXTRA = ["PriorRequestNotComplete", "Throttling", "ThrottlingException", "RequestLimitExceeded",
               "ServiceUnavailable", "InternalFailure", "InternalError"]


def aws_retry(retries=RETRIES, delay=DELAY, max_delay=MAX_DELAY):
    """The decorator factory result for one call: ``aws_retry()(client.operation)(**kwargs)``."""
    return AWSRetry.jittered_backoff(retries=retries, delay=delay, max_delay=max_delay,
                                     catch_extra_error_codes=CATCH_EXTRA)


def retrying_client(module, service, region=None):
    """A boto3 client built by an AnsibleAWSModule whose calls take ``aws_retry=True``."""
    kwargs = {"retry_decorator": aws_retry()}
    if region:
        kwargs["region"] = region
    return module.client(service, **kwargs)


def paginate_all(client, operation, **kwargs):
    """Every page of a listing, the whole listing retried as one unit (never the paginator)."""
    def _all():
        return client.get_paginator(operation).paginate(**kwargs).build_full_result()
    return aws_retry()(_all)()
