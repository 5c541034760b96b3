"""Region selection (pure): the region catalogue and its data, latency model, residency policy, demand and the exact optimiser."""
