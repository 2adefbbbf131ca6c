"""The HTTP side of the web view: Python's threading HTTP server in front of
:class:`pipeline.web.app.WebView`, adding the security headers to every answer."""

from __future__ import annotations

import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from pipeline.web.app import CSP, SECURITY_HEADERS, Request, Response, WebView

log = logging.getLogger(__name__)

#: The only request bodies are the login form's: a token of 43 characters.
MAX_BODY = 4096


def make_server(view: WebView, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server for ``view`` bound to ``host``:``port`` (0: any free port); call
    ``serve_forever()`` on it."""

    class Handler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "crosswarn"

        def do_GET(self) -> None:
            self._answer(view.respond(self._request("GET")))

        def do_HEAD(self) -> None:
            self._answer(view.respond(self._request("HEAD")), body=False)

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._answer(Response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE))
                return
            self._answer(view.respond(self._request("POST", self.rfile.read(length))))

        def _request(self, method: str, body: bytes = b"") -> Request:
            parts = urlsplit(self.path)
            return Request(
                method=method,
                path=unquote(parts.path),
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )

        def _answer(self, response: Response, *, body: bool = True) -> None:
            try:
                self.send_response(response.status)
                headers = {
                    "Content-Security-Policy": CSP,
                    "Cache-Control": "no-cache",
                    **SECURITY_HEADERS,
                    **response.headers,
                }
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if body:
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except Exception:  # one failing request never stops the server
                log.exception("request %r failed", getattr(self, "path", "?"))
                self.close_connection = True

        def log_message(self, format: str, *args) -> None:
            log.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
