"""The OpenAI error shape, `{"error": {"message", "type", "param", "code"}}`, for every refused API request."""

from __future__ import annotations

from starlette.responses import JSONResponse

# The `type` OpenAI gives each status; clients read the status, some show the type.
_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    503: "server_error",
}


class ApiError(Exception):
    """A refused request: its HTTP status, a message for the client, the parameter at fault and a code."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict:
        error_type = "authentication_error" if self.status == 401 else _TYPES.get(self.status, "invalid_request_error")
        return {"error": {"message": self.message, "type": error_type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)
