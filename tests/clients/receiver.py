"""A webhook receiver for tests: a real HTTP server recording every request it gets; what it
answers (status, delay) is set per path."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

from devtools.testing.broker import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    requests: list[Received] = field(default_factory=list)
    answers: dict[str, tuple[int, float]] = field(default_factory=dict)  # path -> status, delay
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                status, delay = receiver.answers.get(self.path, (200, 0.0))
                with receiver.lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                threading.Event().wait(delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def verified(self, path: str, secret: str, since: int = 0) -> dict[str, dict]:
        """Every request at ``path`` verified with ``secret`` (raises otherwise), by
        ``webhook-id``; a redelivery must repeat its id with the same body."""
        out: dict[str, dict] = {}
        bodies: dict[str, str] = {}
        for r in self.at(path)[since:]:
            payload = Webhook(secret).verify(r.body, r.headers)
            msg_id = r.headers["webhook-id"]
            assert bodies.setdefault(msg_id, r.body) == r.body, "redelivery changed the body"
            out[msg_id] = payload
        return out
