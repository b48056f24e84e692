"""Input guard in front of every route: body-size limits and unstorable text, before reading.

Pure ASGI middleware, so it runs before FastAPI parses anything:

- A body larger than its route's limit is refused with 413 from its ``Content-Length`` alone,
  or as soon as the streamed bytes pass the limit; the rest is never read into memory.
- Text a database cannot store (NUL, lone UTF-16 surrogates from ``\\ud800`` escapes) is refused
  with 422 ``unstorable_text`` for every route at once, instead of a 500 from PostgreSQL.
"""

import json
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from shared.web.problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class _Refused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _template_pattern(template: str) -> re.Pattern[str]:
    """'/rosters/{kind}/import' -> a regex matching one path segment per placeholder."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


def unstorable(value: object) -> bool:
    """True when a decoded JSON value holds text PostgreSQL cannot store."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return True
        return False
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        route_limits: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.rules = [
            (method.upper(), _template_pattern(path), limit)
            for (method, path), limit in (route_limits or {}).items()
        ]

    def limit_for(self, method: str, path: str) -> int:
        for rule_method, pattern, limit in self.rules:
            if rule_method == method and pattern.match(path):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_target(scope)
            if scope["method"] in _NO_BODY:
                await self.app(scope, receive, send)
                return
            body = await self._read(scope, receive)
            _check_body(scope, body)
        except _Refused as refused:
            response = problem(refused.status, refused.code, "Request refused", refused.detail)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.limit_for(scope["method"], scope["path"])
        declared = header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                raise _Refused(400, "bad_content_length", "Content-Length is not a number")
            if int(declared) > limit:
                raise _Refused(413, "payload_too_large", f"this route accepts {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:  # chunked upload: stop reading at once
                raise _Refused(413, "payload_too_large", f"this route accepts {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _check_target(scope: Scope) -> None:
    query = scope.get("query_string", b"")
    if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
        raise _Refused(422, "unstorable_text", "NUL characters are not accepted")


def _check_body(scope: Scope, body: bytes) -> None:
    if b"\x00" in body:  # no route takes binary data
        raise _Refused(422, "unstorable_text", "NUL characters are not accepted")
    content_type = (header(scope, b"content-type") or "").lower()
    if "json" in content_type and b"\\u" in body:  # only escapes can smuggle NUL/surrogates
        try:
            decoded = json.loads(body)
        except ValueError:
            return  # FastAPI reports malformed JSON itself
        if unstorable(decoded):
            raise _Refused(422, "unstorable_text", "text with NUL or unpaired surrogate characters")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # later calls wait for the disconnect

    return replay


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None
