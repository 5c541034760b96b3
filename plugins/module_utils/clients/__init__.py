"""Every network call of the collection: one client per backend (Prometheus, AWS), each with its retry policy."""
