"""Every network call of the collection: one client per backend (Prometheus; AWS one per service on the base in aws_api), each with its retry policy."""
