"""Sending one e-mail over SMTP (the standard library's smtplib), with the deployment's settings.

The worker is the only caller: requests never talk to a mail server, they write the outbox.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Protocol

from flask import has_request_context, request

from kernel.config import ConfigError

TIMEOUT = 30.0  # seconds for connecting and for each SMTP reply


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings, or None when no SMTP host is configured (mail is off)."""
        host = config.get("SMTP_HOST")
        if not host:
            return None
        sender = config.get("MAIL_FROM")
        if not sender:
            raise ConfigError("LINKAGE_MAIL_FROM must be set when LINKAGE_SMTP_HOST is")
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or 587),
            sender=sender,
            user=config.get("SMTP_USER"),
            password=config.get("SMTP_PASSWORD"),
            starttls=bool(config.get("SMTP_STARTTLS", True)),
        )


def mail_configured(config: Mapping[str, Any]) -> bool:
    """Whether e-mail goes out at all: pages may say "an e-mail was sent" only then."""
    return bool(config.get("SMTP_HOST"))


def absolute_url(config: Mapping[str, Any], path: str) -> str:
    """A link for an e-mail: `LINKAGE_BASE_URL` + path, else the current request's own address.

    Outside a request (a reminder enqueued from cron) only the setting knows where people
    open Linkage, so without it this refuses rather than write a link nobody can follow.
    """
    if not path.startswith("/"):
        raise ValueError("give a path that starts with /")
    base = config.get("BASE_URL")
    if base:
        return str(base).rstrip("/") + path
    if has_request_context():
        return request.host_url.rstrip("/") + path
    raise ConfigError("LINKAGE_BASE_URL must be set to write links in e-mail outside a request")


def build_message(
    sender: str, recipient: str, subject: str, body_text: str, body_html: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    # Machine-sent (RFC 3834): out-of-office replies are not sent back to it.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body_text)
    if body_html:
        msg.add_alternative(body_html, subtype="html")
    return msg


def is_permanent(exc: Exception) -> bool:
    """A 5xx refusal of this message (unknown recipient, rejected content) will not change by
    retrying; everything else (connection refused, 4xx, a bad login) may, and is retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        return False  # the deployment's login or sender is wrong, not this message: fix, and it goes
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def describe(exc: Exception) -> str:
    """One line for `last_error` (at most 500 characters)."""
    text = " ".join(str(exc).split()) or "no detail"
    return f"{type(exc).__name__}: {text}"[:500]


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """A connection per message: a deployment sends few, and a failure never leaks into the next."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
            smtp.send_message(message)
