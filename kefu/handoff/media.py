"""Images in a chat (buyer web-chat uploads, agent console uploads): checked, stored, served to the chat only.

An image is accepted only when its first bytes say JPEG, PNG, WebP or GIF (the name and the declared
type are not trusted) and it is at most :data:`MAX_IMAGE_BYTES`. It is stored under the state folder
(``media/``, mode 0600) by a random name of 32 lowercase letters: unguessable, and never taken for a
phone or card number by the masking. Knowing a name is not enough to see the image: the web app serves
it only to the buyer of the conversation it belongs to and to logged-in agents (kefu.handoff.web.media).

In the ticket's transcript an image is the line ``[图片:<name>]`` (:func:`marker`), which the console
draws as the picture; the buyer's page gets it as a line with ``payload.image``.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from kefu.db import SQLiteStore
from kefu.tickets.store import TicketError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
NAME_LENGTH = 32
NAME = re.compile(rf"^[a-z]{{{NAME_LENGTH}}}$")
MARKER = re.compile(rf"^\[图片:([a-z]{{{NAME_LENGTH}}})\]$")
PLACEHOLDER = "[图片]"  # what a channel that shows text only reads

SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_media (
    name            TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    mime            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sender          TEXT NOT NULL CHECK (sender IN ('buyer', 'agent')),
    agent           TEXT,
    created_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS handoff_media_conversation ON handoff_media (conversation_id, created_at);
"""


class MediaRefused(TicketError):
    """Not an image kefu accepts (415) or too large (413); the message says which, in Chinese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status


@dataclass(frozen=True)
class Image:
    name: str
    conversation_id: str
    mime: str
    size: int
    sender: str
    agent: Optional[str]
    created_at: float

    @property
    def marker(self) -> str:
        return marker(self.name)


def sniff(data: bytes) -> Optional[str]:
    """The image type the bytes themselves declare (magic numbers), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def marker(name: str) -> str:
    return f"[图片:{name}]"


def marker_name(text: str) -> Optional[str]:
    """The image name of a transcript line that is an image, else None."""
    found = MARKER.match(text or "")
    return found.group(1) if found else None


class MediaStore(SQLiteStore):
    """Image records in the shared database, the bytes in ``folder`` (the state folder's ``media/``)."""

    SCHEMA = SCHEMA

    def __init__(self, db_path: Union[str, Path], folder: Path) -> None:
        super().__init__(db_path)
        self.folder = Path(folder)

    def save(self, conversation_id: str, data: bytes, sender: str, agent: Optional[str] = None,
             now: Optional[float] = None) -> Image:
        """Check and store ``data``; raises :class:`MediaRefused` (413 too large, 415 not an accepted image)."""
        if len(data) > MAX_IMAGE_BYTES:
            raise MediaRefused(413, f"图片不能超过 {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
        mime = sniff(data)
        if mime is None:
            raise MediaRefused(415, "只能发送 JPG、PNG、WebP 或 GIF 图片")
        name = "".join(secrets.choice(string.ascii_lowercase) for _ in range(NAME_LENGTH))
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / name
        path.touch(mode=0o600)
        path.write_bytes(data)
        image = Image(name, conversation_id, mime, len(data), sender, agent, time.time() if now is None else now)
        self.conn.execute("INSERT INTO handoff_media VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (image.name, image.conversation_id, image.mime, image.size, image.sender, image.agent,
                           image.created_at))
        return image

    def get(self, name: str) -> Optional[Image]:
        if not NAME.match(name or ""):
            return None
        row = self.conn.execute("SELECT * FROM handoff_media WHERE name = ?", (name,)).fetchone()
        return Image(**dict(row)) if row else None

    def read(self, image: Image) -> bytes:
        return (self.folder / image.name).read_bytes()

    def as_base64(self, image: Image) -> str:
        """The bytes for a channel that carries them inline (the signed bridge)."""
        return base64.b64encode(self.read(image)).decode("ascii")
