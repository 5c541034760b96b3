"""Drift: what a check-mode run of the provision roles would change, as findings per resource and field (pure)."""
