"""Compliance of the live estate: rules as data (``rules``), their evaluators (``evaluators``), the
resources read from the APIs in a neutral shape (``resources``), suppressions with a reason and an
expiry (``suppressions``) and the scan that ties them together (``scan``). Pure: every read goes
through ``clients/compliance.py``."""
