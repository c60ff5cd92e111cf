"""``/static/<file>``: the console's CSS and JS, from ``kefu/handoff/static`` only.

Served by a small route instead of sanic's directory handler, so a directory,
a missing file or a path that climbs out (``..``) is a plain 404 and never an
error in the log.
"""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request

from kefu.handoff.web.common import ApiError

STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
         ".png": "image/png", ".woff2": "font/woff2"}
bp = Blueprint("static", url_prefix="/static")


def _resolve(name: str) -> Path:
    try:
        path = (STATIC_DIR / name).resolve()
        found = len(name) <= 200 and STATIC_DIR in path.parents and path.suffix in TYPES and path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        found = False
    if not found:
        raise ApiError(404, "not_found", "文件不存在")
    return path


@bp.get("/")
async def no_listing(_request: Request) -> response.HTTPResponse:
    raise ApiError(404, "not_found", "文件不存在")


@bp.get("/<name:path>")
async def static_file(_request: Request, name: str) -> response.HTTPResponse:
    path = _resolve(name)
    return await response.file(str(path), mime_type=TYPES[path.suffix], headers={"Cache-Control": "no-cache"})
