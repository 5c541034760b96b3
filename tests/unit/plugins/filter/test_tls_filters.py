# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.tls import FilterModule

TLS = FilterModule().filters()


def test_the_tls_filters_are_registered_under_their_names():
    assert sorted(TLS) == ["tls_certificate_names", "tls_local_endpoint", "tls_settings_errors"]


def test_names_and_their_error():
    assert TLS["tls_certificate_names"](["z.example", "*.z.example", "app.z.example"]) == ["z.example", "*.z.example"]
    with pytest.raises(AnsibleFilterError, match=r"tls_certificate_names: names: "):
        TLS["tls_certificate_names"](["no spaces.z.example"])


def test_settings_errors_name_the_variable():
    errors = TLS["tls_settings_errors"]("self_signed", "staging", ["us-east-1"], "z.example", ["z.example"], ["z.example"], {},
                                        TLS["tls_local_endpoint"](""))
    assert len(errors) == 1 and "tls_certificate_source" in errors[0]
    assert TLS["tls_settings_errors"]("self_signed", "local", ["us-east-1"], "z.example", ["z.example"], ["z.example"], {},
                                      TLS["tls_local_endpoint"]("http://127.0.0.1:5100")) == []
