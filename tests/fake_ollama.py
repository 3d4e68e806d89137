"""A loopback HTTP server that speaks Ollama's streaming `/api/chat` protocol (no Ollama runs here)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .conftest import starts


class FakeOllama:
    """Streams `reply` word by word as NDJSON; `error` makes it answer HTTP 500 with an error body."""

    def __init__(self, reply: str = "", error: str | None = None, delay: float = 0.0, word_delay: float = 0.0):
        self.reply = reply
        self.error = error
        self.delay = delay  # seconds to wait before answering, to play a slow server
        self.word_delay = word_delay  # seconds between streamed words, to make the stream observable
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append({"path": self.path, "body": body})
                time.sleep(outer.delay)
                if self.path != "/api/chat":
                    self.send_error(404)
                    return
                if outer.error:
                    payload = json.dumps({"error": outer.error}).encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                model = body.get("model", "fake")
                for word in outer.reply.split(" "):
                    line = {
                        "model": model,
                        "created_at": "2026-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": word + " "},
                        "done": False,
                    }
                    self.wfile.write((json.dumps(line) + "\n").encode())
                    self.wfile.flush()
                    time.sleep(outer.word_delay)
                done = {
                    "model": model,
                    "created_at": "2026-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "total_duration": 1,
                    "load_duration": 1,
                    "prompt_eval_count": 1,
                    "eval_count": 1,
                }
                self.wfile.write((json.dumps(done) + "\n").encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOllama:
        starts("server")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
