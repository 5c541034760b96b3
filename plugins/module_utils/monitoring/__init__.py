"""Monitoring as data (pure): SLOs turned into Prometheus recording and alerting rules."""
