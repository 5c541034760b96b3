"""A local Compute Engine and Cloud Storage emulator: a test double for the collection's own modules.

discovery.py  loads Google's discovery documents (shipped in google-api-python-client), routes a
              request to its method and validates path/query parameters and request bodies.
errors.py     the error type and Google's JSON error shape.
compute.py    the stateful Compute Engine store (resources, operations, server-side defaults).
storage.py    the stateful Cloud Storage bucket store (metageneration, preconditions).
server.py     the threaded HTTP server on 127.0.0.1 (python -m gcp_emulator.server --port N).
"""
