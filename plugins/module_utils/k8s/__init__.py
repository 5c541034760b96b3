"""Kubernetes (pure): manifests from the service catalogue, their validation against the real schemas, and their gitops layout."""
