"""The command-line end of the web view: ``crosswarn serve``."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.settings import Settings


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="the web view for crisis cells and duty officers: each model's current warnings "
        "on a map, per region and authority; consultations only with a crisis cell's token",
    )
    p.add_argument("--out", type=Path, help="output directory to show (CROSSWARN_OUT_DIR)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument(
        "--tokens", type=Path,
        help="the crisis cells' token file (CROSSWARN_WEB_TOKENS); without one, consultations "
        "are refused to everyone",
    )  # fmt: skip
    p.add_argument(
        "--add-token", metavar="CELL",
        help="issue a new token for this crisis cell (replacing its old one), print it once, "
        "store only its hash in --tokens, and exit",
    )  # fmt: skip
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings()
    tokens = args.tokens or settings.web_tokens
    if args.add_token:
        from pipeline.geo.regions import load_crisis_cells
        from pipeline.web.tokens import add_token

        if tokens is None:
            raise ConfigError(
                "--add-token needs a token file: --tokens FILE or CROSSWARN_WEB_TOKENS"
            )
        token = add_token(tokens, args.add_token, load_crisis_cells(settings.regions_dir))
        print(token)
        print(f"stored its hash for {args.add_token} in {tokens}; give the token to the cell")
        return 0

    from pipeline.web.app import WebView
    from pipeline.web.server import make_server

    out = args.out or settings.out_dir
    view = WebView(out, settings.regions_dir, tokens_path=tokens, cache_dir=settings.cache_dir)
    server = make_server(view, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"crosswarn web view of {out} on http://{host}:{port}/ (Ctrl-C stops it)")
    if tokens is None:
        print("no token file (--tokens): consultation pages are refused to everyone")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
