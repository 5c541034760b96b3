"""Compute Engine resources as pure data: desired state from module options, normalisation, diff, action."""
