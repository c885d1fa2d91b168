"""Notifications through an outbox: offers, changes and reminders by e-mail (SMTP) and SMS (pluggable gateway).

A notification is first written to the outbox in the same transaction as the change that causes it; a sender then
delivers due messages and records each attempt. If the mail server is down, messages stay pending and are retried
with back-off, so nothing is lost. Every message carries a link to the offer page.

SMTP is configured from the environment: ``RESSURSBANK_SMTP_HOST`` (no host: e-mail is not sent, messages wait),
``RESSURSBANK_SMTP_PORT`` (25), ``RESSURSBANK_SMTP_USER``/``RESSURSBANK_SMTP_PASSWORD`` (optional),
``RESSURSBANK_SMTP_STARTTLS`` (``1`` to upgrade), ``RESSURSBANK_MAIL_FROM`` and ``RESSURSBANK_BASE_URL`` (for links).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from ressursbank.db.repo_app import (
    DbSession,
    OutboxRecord,
    due_notifications,
    enqueue_notification,
    mark_notification,
    utcnow,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
CHANNELS = ("email", "sms")


class SmsGateway(Protocol):
    """Anything that can send a text message (a national SMS provider's HTTP API, a test double)."""

    def send_sms(self, to: str, text: str) -> None:
        """Send ``text`` to the phone number ``to``; raise on failure."""
        ...


@dataclass
class RecordingSmsGateway:
    """An SMS gateway that only records messages (the default until a provider is configured; used in tests)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_sms(self, to: str, text: str) -> None:
        self.sent.append((to, text))


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send e-mail."""

    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "ressursbank@localhost"
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        """The settings from ``RESSURSBANK_SMTP_*``, or None when no host is configured."""
        host = os.environ.get("RESSURSBANK_SMTP_HOST", "").strip()
        if not host:
            return None
        port = os.environ.get("RESSURSBANK_SMTP_PORT", "25").strip()
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"RESSURSBANK_SMTP_PORT must be a port number, got {port!r}")
        return cls(
            host=host,
            port=int(port),
            user=os.environ.get("RESSURSBANK_SMTP_USER", ""),
            password=os.environ.get("RESSURSBANK_SMTP_PASSWORD", ""),
            starttls=os.environ.get("RESSURSBANK_SMTP_STARTTLS", "") == "1",
            sender=os.environ.get("RESSURSBANK_MAIL_FROM", "ressursbank@localhost"),
        )


class SmtpSender:
    """Sends e-mail through one SMTP server (a new connection per batch)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        """Send each message; return, per message, the error or None."""
        results: list[Exception | None] = []
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.user:
                    smtp.login(s.user, s.password)
                for message in messages:
                    try:
                        smtp.send_message(message)
                        results.append(None)
                    except smtplib.SMTPException as exc:
                        results.append(exc)
        except (OSError, smtplib.SMTPException) as exc:
            results.extend(exc for _ in range(len(messages) - len(results)))
        return results


def base_url() -> str:
    """Address used in links (``RESSURSBANK_BASE_URL``, default the local server)."""
    return os.environ.get("RESSURSBANK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def enqueue(
    session: DbSession,
    *,
    recipient: str,
    subject: str,
    body: str,
    link: str = "",
    channel: str = "email",
    employee_id: str | None = None,
    offer_id: str | None = None,
) -> int:
    """Put a notification in the outbox (in the caller's transaction); returns its id."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {CHANNELS}")
    if link and link.startswith("/"):
        link = base_url() + link
    text = body if not link or link in body else f"{body}\n\n{link}"
    return enqueue_notification(
        session,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=text,
        link=link,
        employee_id=employee_id,
        offer_id=offer_id,
    )


def offer_text(
    *, lang: str, name: str, unit_name: str, start: dt.date, end: dt.date, reasons: list[str], link: str
) -> tuple[str, str]:
    """Subject and body of an offer message in ``lang``."""
    period = f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"
    why = "".join(f"\n - {r}" for r in reasons)
    if lang == "en":
        return (
            f"Offer: {unit_name} {period}",
            f"Hello {name},\n\nYou are offered work at {unit_name} {period}."
            f"{(chr(10) + 'Why you:' + why) if why else ''}"
            f"\n\nAnswer here: {link}",
        )
    return (
        f"Tilbud: {unit_name} {period}",
        f"Hei {name},\n\nDu får tilbud om å jobbe ved {unit_name} {period}."
        f"{(chr(10) + 'Hvorfor deg:' + why) if why else ''}\n\nSvar her: {link}",
    )


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery round did."""

    sent: int
    failed: int
    waiting: int


def _retry_at(attempts: int, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=min(60, 2**attempts))


def deliver_due(
    session: DbSession,
    *,
    smtp: SmtpSettings | None = None,
    sms: SmsGateway | None = None,
    now: dt.datetime | None = None,
    limit: int = 100,
) -> DeliveryReport:
    """Send what is due in the outbox and record each attempt (the caller commits).

    Messages for a channel with no transport configured stay pending (``waiting``); a failed attempt is retried
    later with back-off and given up after :data:`MAX_ATTEMPTS`.
    """
    now = now or utcnow()
    due = due_notifications(session, now=now, limit=limit)
    emails = [n for n in due if n.channel == "email"]
    texts = [n for n in due if n.channel == "sms"]
    sent = failed = waiting = 0

    def record(n: OutboxRecord, error: Exception | None) -> None:
        nonlocal sent, failed
        if error is None:
            mark_notification(session, notification_id=n.id, sent=True)
            sent += 1
        else:
            give_up = n.attempts + 1 >= MAX_ATTEMPTS
            mark_notification(
                session,
                notification_id=n.id,
                sent=False,
                error=f"{type(error).__name__}: {error}",
                retry_at=_retry_at(n.attempts + 1, now),
                give_up=give_up,
            )
            failed += 1
            logger.warning("notification %s to %s failed: %s", n.id, n.recipient, error)

    if emails:
        if smtp is None:
            waiting += len(emails)
        else:
            messages = [_email(n, smtp.sender) for n in emails]
            for n, error in zip(emails, SmtpSender(smtp).send_many(messages), strict=True):
                record(n, error)
    for n in texts:
        if sms is None:
            waiting += 1
            continue
        try:
            sms.send_sms(n.recipient, n.body[:600])
            record(n, None)
        except Exception as exc:  # a gateway may raise anything; the outbox must record it, not crash
            record(n, exc)
    return DeliveryReport(sent=sent, failed=failed, waiting=waiting)


def email_address(recipient: str) -> str:
    """The mail address for an outbox recipient: as given, or ``employee:<id>`` as ``<id>@$RESSURSBANK_MAIL_DOMAIN``.

    The HR data carry no e-mail addresses yet; municipalities use a predictable address per employee number.
    """
    if recipient.startswith("employee:"):
        domain = os.environ.get("RESSURSBANK_MAIL_DOMAIN", "ansatt.example.no")
        return f"{recipient.split(':', 1)[1].lower()}@{domain}"
    return recipient


def _email(n: OutboxRecord, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email_address(n.recipient)
    message["Subject"] = n.subject
    message["Message-ID"] = f"<outbox-{n.id}@ressursbank>"
    message.set_content(n.body)
    return message
