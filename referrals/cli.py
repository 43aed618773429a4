"""`linkage worker`: queues the due follow-up reminders and the stale figures' nudges, and
sends the outbox (a loop, or `--once` from cron); `linkage outbox`: look at it. A pass that
fails on the database is logged and tried again with a growing wait: the loop never stops on
it."""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from catalog import nudges, rules
from kernel import outbox
from kernel.config import ConfigError
from kernel.db import get_db, get_session, utcnow
from kernel.outbox import MessageStatus, OutboxMessage
from referrals import mail, notify, worker

log = logging.getLogger("linkage.worker")


def _pending(sessions: Any) -> int:
    with sessions() as session:
        query = select(func.count()).where(OutboxMessage.status == MessageStatus.pending)
        return int(session.scalar(query.select_from(OutboxMessage)) or 0)


# After a pass that failed on the database, the next waits longer each time (the interval
# doubled per failure in a row), up to this many seconds; a good pass resets it.
DB_BACKOFF_MAX = 300.0


def backoff_after_failures(interval: float, failures: int) -> float:
    """Seconds to wait after `failures` failed passes in a row."""
    return float(min(interval * 2 ** min(failures, 20), max(interval, DB_BACKOFF_MAX)))


def _remind(sessions: Any, config: Any) -> int:
    """Queue the reminders due now (referrals.notify), in a transaction of their own."""
    with sessions.begin() as session:
        done = notify.remind_overdue(session, notify.Outgoing.from_config(config))
    return len(done.workers) + len(done.providers)


def _nudge(sessions: Any, config: Any) -> int:
    """Queue a nudge with an update link for each newly stale figure (catalog.nudges), in a
    transaction of its own."""
    with sessions.begin() as session:
        done = nudges.nudge_stale(
            session,
            base_url=config["BASE_URL"],
            language=config.get("MAIL_LANGUAGE") or "en",
            max_ages=rules.MaxAges.from_config(config),
        )
    return len(done)


def _database_error(exc: SQLAlchemyError) -> str:
    """Which error, without its statement or values (they may hold a client's data)."""
    orig = getattr(exc, "orig", None)
    return type(exc).__name__ + (f" ({type(orig).__name__})" if orig is not None else "")


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now and exit (for cron).")
@click.option(
    "--interval",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between passes when looping.",
)
@click.option(
    "--max-attempts",
    default=worker.DEFAULT_MAX_ATTEMPTS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Attempts before a message is marked failed.",
)
@with_appcontext
def worker_command(once: bool, interval: float, max_attempts: int) -> None:
    """Queue the follow-up reminders that are due, then send the outbox's due e-mail,
    retrying failures with backoff."""
    sessions = get_db().sessionmaker
    assert sessions is not None
    try:
        settings = mail.MailSettings.from_config(current_app.config)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    if settings is None:
        raise click.ClickException(
            "mail is not configured (set LINKAGE_SMTP_HOST and LINKAGE_MAIL_FROM); nothing was sent, "
            f"{_pending(sessions)} message(s) wait in the outbox."
        )
    reminders = bool(current_app.config.get("BASE_URL"))
    if not reminders:
        click.echo(
            "reminders are off (and stale-figure nudges): set LINKAGE_BASE_URL so their links say "
            "where Linkage is",
            err=True,
        )
    transport = mail.SmtpTransport(settings)
    stop = threading.Event()
    if not once and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    failures = 0
    while True:
        try:
            reminded = _remind(sessions, current_app.config) if reminders else 0
            nudged = _nudge(sessions, current_app.config) if reminders else 0
            report = worker.deliver_due(sessions, transport, settings.sender, max_attempts=max_attempts)
        except SQLAlchemyError as exc:
            # The database is down, locked or being migrated: say so and try again later,
            # the wait growing while it lasts; nothing is lost, the rows wait in the outbox.
            failures += 1
            wait = backoff_after_failures(interval, failures)
            what = _database_error(exc)
            log.error("worker pass failed on the database (%s); next try in %.1f s", what, wait)
            click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S}Z database error ({what}); next try in {wait:.1f} s")
            if once:
                raise click.ClickException(f"the database could not be read ({what})") from None
            if stop.wait(wait):
                return
            continue
        failures = 0
        if reminded:
            click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S}Z reminders: queued {reminded}")
        if nudged:
            click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S}Z stale figures: nudged {nudged}")
        if once or report.sent or report.retrying or report.failed:
            click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S}Z outbox: {report.line()}")
        if once or stop.wait(interval):
            return


@click.group("outbox")
def outbox_group() -> None:
    """The e-mail outbox: what is waiting, sent and failed."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in MessageStatus]), default=None)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def outbox_list(status: str | None, limit: int) -> None:
    """List messages, newest first: id, status, attempts, due, recipient, subject, last error."""
    rows = outbox.waiting(get_session(), MessageStatus(status) if status else None, limit)
    click.echo("id\tstatus\tattempts\tdue_at\trecipient\tsubject\tlast_error")
    for m in rows:
        due = m.due_at.isoformat(timespec="seconds") if m.status is MessageStatus.pending else "-"
        fields = (m.id, m.status.value, m.attempts, due, m.recipient, m.subject, m.last_error or "-")
        click.echo("\t".join(str(f) for f in fields))


@outbox_group.command("retry")
@click.argument("message_id", type=click.UUID)
@with_appcontext
def outbox_retry(message_id: uuid.UUID) -> None:
    """Send a failed message again: due now, its attempts counted from zero."""
    session = get_session()
    if not outbox.retry(session, message_id):
        session.rollback()
        raise click.ClickException(f"There is no failed message {message_id}.")
    session.commit()
    click.echo(f"Message {message_id} is due again.")
