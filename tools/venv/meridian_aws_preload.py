# -*- coding: utf-8 -*-
"""boto3 imported and botocore's data loaded once per Mitogen interpreter, not once per module run.

Under Mitogen's strategy (the project's commands) each host's modules run from one persistent
Python interpreter. A module whose code imports a collection's ``module_utils`` (every
``amazon.aws`` and ``community.aws`` module, and the collection's own AWS modules) runs in a child
forked from it, so each such run imports boto3 and botocore (about 0.2 s of CPU here) and makes a
boto3 session whose botocore data loader reads its JSON data again: the endpoints, the partitions,
the defaults and the service's model (about 0.15 s for a first EC2 client). A forked child
inherits what the interpreter had loaded before the fork, and nothing it loads goes back.

tools/setup.sh installs this file into the project venv with a ``.pth`` line that calls
:func:`install`. In the interpreters Mitogen starts (``sys.orig_argv[0]`` names ``mitogen:``),
and only there, it imports boto3, makes every botocore session of the process use one data loader
(``botocore.session.create_loader``, one per data path), and loads through it the data every
client needs and the models of the services the collection's roles call most; every child forked
afterwards starts with them. botocore already shares one loader, and the models it has read,
between the clients of a session; this shares it between the sessions of a process. The loader
keeps no credentials. ``MERIDIAN_AWS_PRELOAD=0`` turns it off; any error leaves the interpreter as
it was (the modules then load what they need themselves).
"""

import os
import sys

# The services whose models are loaded ahead: those the roles call in every provisioning run.
SERVICES = ("ec2", "autoscaling", "elbv2", "s3", "rds", "cloudfront", "route53", "iam", "cloudwatch", "sts")


def _is_mitogen_interpreter():
    argv = getattr(sys, "orig_argv", None) or sys.argv or [""]
    return "(mitogen:" in (argv[0] or "")


def install():
    """In a Mitogen interpreter: import boto3, share one botocore loader, load the common data."""
    if os.environ.get("MERIDIAN_AWS_PRELOAD", "1") == "0" or not _is_mitogen_interpreter():
        return
    if getattr(sys, "_meridian_aws_preload", False):
        return
    sys._meridian_aws_preload = True
    try:
        _preload()
    except Exception:  # the preload must never break an interpreter
        pass


class _SearchPaths(list):
    """A loader's search paths that ignore a path they hold (boto3 appends its own at every session)."""

    def append(self, path):
        if path not in self:
            list.append(self, path)


def _preload():
    import boto3  # noqa: F401  (imported for the children)
    import botocore.session

    original = botocore.session.create_loader
    loaders = {}

    def create_loader(search_path_string=None):
        loader = loaders.get(search_path_string)
        if loader is None:
            loader = original(search_path_string)
            loader._search_paths = _SearchPaths(loader._search_paths)
            loaders[search_path_string] = loader
        return loader

    botocore.session.create_loader = create_loader
    session = botocore.session.get_session()
    session.get_component("endpoint_resolver")
    loader = session.get_component("data_loader")
    for name in ("sdk-default-configuration", "_retry"):
        loader.load_data(name)
    for service in SERVICES:
        session.get_service_model(service)
