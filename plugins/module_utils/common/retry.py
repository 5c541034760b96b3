"""The retry policies of the calls the collection makes itself: AWS, and HTTP APIs keyed on status.

amazon.aws's ``AWSRetry.jittered_backoff`` (full-jitter exponential backoff) on throttling and the
transient errors amazon.aws already lists, plus the throttling codes of the services used here that
it does not list. Single calls are retried; a paginated listing is retried as one unit (never the
paginator itself), with ``paginate_all``.

``aws_retry()`` reads ``RETRIES``, ``DELAY`` and ``MAX_DELAY`` when it is called (not when this file
is imported), so one change of these values (a test setting the delay to 0) reaches every decorator
built afterwards. ``RETRIES`` counts attempts: the call is made at most that many times.

Retried codes: Route 53 ``Throttling`` and ``PriorRequestNotComplete`` (a change still being
applied), EC2 ``RequestLimitExceeded``, Auto Scaling ``Throttling``, S3 ``SlowDown`` (``503`` on a
HEAD request, which has no error body), ``RequestTimeout``, and the transient server-side errors.
``AccessDenied``, validation and not-found errors are never retried.

HTTP APIs that answer with a status code (the Kubernetes API server) use ``http_retry()``: the same
jittered backoff and the same ``RETRIES``, ``DELAY`` and ``MAX_DELAY``, keyed on the ``status`` of the
raised error; only ``429`` (too many requests, API priority and fairness) and ``5xx`` are retried.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.cloud import CloudRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

RETRIES = 10
DELAY = 1
MAX_DELAY = 30
CATCH_EXTRA = ["PriorRequestNotComplete", "Throttling", "ThrottlingException", "RequestLimitExceeded",
               "SlowDown", "503", "RequestTimeout",
               "ServiceUnavailable", "InternalFailure", "InternalError"]


def retryable(code):
    """True when an AWS error code is one this policy retries."""
    return AWSRetry.found(code, CATCH_EXTRA)


def aws_retry(retries=None, delay=None, max_delay=None):
    """The retry decorator for calls: ``aws_retry()(client.operation)(**kwargs)``.

    Omitted arguments take the module's ``RETRIES``, ``DELAY`` and ``MAX_DELAY`` as they are now.
    """
    return AWSRetry.jittered_backoff(retries=RETRIES if retries is None else retries,
                                     delay=DELAY if delay is None else delay,
                                     max_delay=MAX_DELAY if max_delay is None else max_delay,
                                     catch_extra_error_codes=CATCH_EXTRA)


def retrying_client(module, service, region=None):
    """A boto3 client built by an AnsibleAWSModule whose calls take ``aws_retry=True``."""
    kwargs = {"retry_decorator": aws_retry()}
    if region:
        kwargs["region"] = region
    return module.client(service, **kwargs)


def paginate_all(client, operation, **kwargs):
    """Every page of a listing, the whole listing retried as one unit (never the paginator).

    ``client`` is a boto3 client or the retrying wrapper (its ``get_paginator`` is the plain one).
    A new paginator is built for every attempt, so a retry starts the listing again from its start.
    """
    def _all():
        return client.get_paginator(operation).paginate(**kwargs).build_full_result()
    return aws_retry()(_all)()


def http_retryable(status):
    """True when an HTTP status is one ``http_retry`` retries: 429 and 5xx."""
    return isinstance(status, int) and not isinstance(status, bool) and (status == 429 or 500 <= status <= 599)


class HttpStatusRetry(CloudRetry):
    """amazon.aws's CloudRetry keyed on an error's HTTP ``status`` attribute instead of an AWS code.

    An error without a ``status`` (a connection error of the HTTP library) is not retried here.
    """

    base_class = Exception

    @staticmethod
    def status_code_from_exception(error):
        return getattr(error, "status", None)

    @staticmethod
    def found(response_code, catch_extra_error_codes=None):
        return http_retryable(response_code)


def http_retry(retries=None, delay=None, max_delay=None):
    """The retry decorator for HTTP API calls: ``http_retry()(call)(*args)``; 429 and 5xx only.

    Omitted arguments take the module's ``RETRIES``, ``DELAY`` and ``MAX_DELAY`` as they are now.
    """
    return HttpStatusRetry.jittered_backoff(retries=RETRIES if retries is None else retries,
                                            delay=DELAY if delay is None else delay,
                                            max_delay=MAX_DELAY if max_delay is None else max_delay)
