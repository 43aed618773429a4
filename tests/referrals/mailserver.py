"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and a database of
their own for tests whose workers commit (several connections, several processes)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import text

from kernel.db import make_engine
from tests.conftest import migrate, pg_url_with_schema


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """The aiosmtpd handler: every message accepted, addresses in `refuse` answered 550."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    refuse_senders: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse_senders:
            return "550 5.7.1 sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        self.arrived.set()
        return "250 OK queued"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == ("linkage", "mail-secret"), handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailServer:
    """An SMTP server on 127.0.0.1 that can be started and stopped on the same port."""

    def __init__(self, port: int | None = None, *, auth: bool = False) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.auth = auth
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        kwargs: dict[str, Any] = {}
        if self.auth:
            kwargs = {"authenticator": self.inbox.authenticate, "auth_require_tls": False}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        with self.inbox.lock:
            return list(self.inbox.messages)


@contextmanager
def committed_database(tmp_path: Path, name: str) -> Iterator[str]:
    """A migrated database of its own whose commits are real (SQLite file, or a PostgreSQL
    schema of its own when TEST_DATABASE_URL is set), dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        migrate(url).dispose()
        yield url
        return
    schema = f"linkage_{name}_{uuid.uuid4().hex[:8]}"
    url = pg_url_with_schema(base, schema)
    migrate(url).dispose()
    try:
        yield url
    finally:
        eng = make_engine(base)
        with eng.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()
