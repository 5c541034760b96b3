"""The emulator's error type, rendered in the JSON shape Google's APIs use.

{"error": {"code": 404, "message": "...", "status": "NOT_FOUND",
           "errors": [{"message": "...", "domain": "global", "reason": "notFound"}]}}

google.api_core.exceptions.from_http_response reads code, message and errors[] from this shape, so
the official clients raise the same exception classes (NotFound, Conflict, BadRequest,
PreconditionFailed) as against the real API.
"""

_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An HTTP error answer: code, Google's `reason`, a message; `field` is the field it is about."""

    def __init__(self, code, reason, message, field=None, extra=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.field = field
        # More errors of the same request (validation reports every violation it finds).
        self.extra = extra or []

    def body(self):
        errors = [{"message": self.message, "domain": "global", "reason": self.reason}]
        errors += [{"message": e.message, "domain": "global", "reason": e.reason} for e in self.extra]
        out = {"code": self.code, "message": self.message, "errors": errors,
               "status": _STATUS.get(self.code, "UNKNOWN")}
        violations = [e for e in [self] + self.extra if e.field]
        if violations:
            out["details"] = [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": e.field, "description": e.message} for e in violations],
            }]
        return {"error": out}


def not_found(resource_path):
    return ApiError(404, "notFound", "The resource '%s' was not found" % resource_path)


def already_exists(resource_path):
    return ApiError(409, "alreadyExists", "The resource '%s' already exists" % resource_path)
