"""Upstream CustomResourceDefinition schemas (one module per CRD; each has a ``.SOURCE.md`` beside it)."""
