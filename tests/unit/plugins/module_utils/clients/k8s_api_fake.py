# -*- coding: utf-8 -*-
"""A fake Kubernetes API server at the HTTP boundary of the real ``kubernetes`` client.

``urllib3.PoolManager.request`` (what ``kubernetes.client.rest`` sends every request through) is
replaced: each request is recorded (method, path, query, headers, JSON body) and answered with the
next queued response, a recorded body from ``fixtures/k8s/`` (see its README). Everything above it
(the typed APIs, ``ApiClient.call_api``, serialisation, ``ApiException``) is the real client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import urllib.parse

import urllib3

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "k8s")
HOST = "https://k8s.test:6443"
TOKEN = "test-token"
REASONS = {200: "OK", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def fixture(name):
    """A recorded body of ``fixtures/k8s`` (``hpa_get`` -> hpa_get.json), parsed."""
    with open(os.path.join(FIXTURES, name + ".json")) as handle:
        return json.load(handle)


def write_kubeconfig(directory, context="test", server=HOST):
    """A kubeconfig with one cluster, user (bearer token) and context; returns its path."""
    path = os.path.join(str(directory), "kubeconfig")
    with open(path, "w") as handle:
        handle.write(
            "apiVersion: v1\nkind: Config\ncurrent-context: %(context)s\n"
            "clusters:\n- name: test\n  cluster:\n    server: %(server)s\n    insecure-skip-tls-verify: true\n"
            "users:\n- name: test\n  user:\n    token: %(token)s\n"
            "contexts:\n- name: %(context)s\n  context:\n    cluster: test\n    user: test\n"
            % {"context": context, "server": server, "token": TOKEN})
    return path


class Request:
    """One request as it left the client."""

    def __init__(self, method, url, headers, body, fields):
        parts = urllib.parse.urlsplit(url)
        self.method = method
        self.url = url
        self.host = "%s://%s" % (parts.scheme, parts.netloc)
        self.path = parts.path
        self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        for key, value in fields or []:
            self.query.setdefault(key, []).append(str(value))
        self.headers = dict(headers or {})
        self.raw_body = body
        self.body = json.loads(body) if body else None

    def __repr__(self):
        return "%s %s" % (self.method, self.url)


class FakeApiServer:
    """Answers the client's requests in order from ``answer()``'s queue; ``requests`` records them."""

    def __init__(self, monkeypatch):
        self.requests = []
        self._answers = []
        server = self

        def request(pool, method, url, fields=None, body=None, headers=None, **_kwargs):
            server.requests.append(Request(method, url, headers, body, fields))
            if not server._answers:
                raise AssertionError("unexpected request %s %s" % (method, url))
            status, payload = server._answers.pop(0)
            data = json.dumps(payload).encode("utf-8")
            return urllib3.HTTPResponse(body=data, status=status, reason=REASONS.get(status, ""),
                                        headers={"Content-Type": "application/json"}, preload_content=True)

        monkeypatch.setattr(urllib3.PoolManager, "request", request)

    def answer(self, status, body):
        """Queue one answer: ``body`` is a fixture name or a dict."""
        self._answers.append((status, fixture(body) if isinstance(body, str) else body))
        return self

    @property
    def pending(self):
        return len(self._answers)
