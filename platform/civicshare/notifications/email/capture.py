"""The demo's mail sink: an SMTP server on loopback (aiosmtpd) that keeps every message it receives as
a file, so a person trying the demo can read the emails a resident would get (`/demo-mail`).

Never for production: the settings refuse `mail_capture_dir` there.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# aiosmtpd logs every connection at INFO; the demo's own log should show what matters, not each mail.
logging.getLogger("mail.log").setLevel(logging.WARNING)

_CAPTURED_ID = re.compile(r"^[0-9]{19}-[0-9a-f]{32}$")
MAX_KEPT = 500  # the oldest go first: a long demo never fills the disk


class _KeepAsFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode()
        name = f"{time.time_ns():019d}-{uuid.uuid4().hex}"
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, self.directory / f"{name}.eml")  # readers never see half a message
        for old in sorted(self.directory.glob("*.eml"))[:-MAX_KEPT]:
            old.unlink(missing_ok=True)
        return "250 Message accepted for delivery"


class MailSink:
    """Start it before serving; stop it when serving ends."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", port: int = 1025) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.host, self.port = directory, host, port
        self._controller = Controller(_KeepAsFiles(directory), hostname=host, port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class CapturedMail:
    id: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    reply_to: str | None
    text: str
    html: str | None


def _read(path: Path) -> CapturedMail:
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return CapturedMail(
        id=path.stem,
        received_at=datetime.fromtimestamp(int(path.stem.split("-")[0]) / 1e9, UTC),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        subject=str(parsed.get("Subject", "")),
        reply_to=str(parsed["Reply-To"]) if parsed["Reply-To"] else None,
        text=str(plain.get_content()) if plain is not None else "",
        html=str(html.get_content()) if html is not None else None,
    )


def captured_mail(directory: Path, *, limit: int = 100) -> list[CapturedMail]:
    """The newest messages first."""
    if not directory.is_dir():
        return []
    return [_read(path) for path in sorted(directory.glob("*.eml"), reverse=True)[:limit]]


def one_captured(directory: Path, mail_id: str) -> CapturedMail | None:
    if not _CAPTURED_ID.match(mail_id):
        return None
    path = directory / f"{mail_id}.eml"
    return _read(path) if path.is_file() else None


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start_mail_sink(directory: Path, preferred_port: int) -> MailSink:
    """Start the sink on loopback (on `preferred_port`, else any free port) and point this process's
    email settings, and those of the processes it starts, at it."""
    host = "127.0.0.1"
    port = preferred_port
    if not _port_is_free(host, port):
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
    sink = MailSink(directory, host=host, port=port)
    sink.start()
    os.environ.update(
        {
            "CIVICSHARE_MAIL_CAPTURE_DIR": str(directory),
            "CIVICSHARE_EMAIL_PROVIDER": "smtp",
            "CIVICSHARE_SMTP_HOST": host,
            "CIVICSHARE_SMTP_PORT": str(port),
            "CIVICSHARE_SMTP_SECURITY": "none",
        }
    )
    return sink
