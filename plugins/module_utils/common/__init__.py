"""Shared by every package: the error base (field + message), time parsing, the retry policy, the module helper."""
