"""E-mail notifications through an outbox table.

The services write a message (``OutboxMessage``) in the same transaction as the change it tells about: a
rolled-back change sends nothing, a committed one is never lost.  The worker (``flask worker``, or one pass of
``flask notifications send``) delivers what is due through SMTP: each message is taken with a short lease (a
conditional UPDATE, behind ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two workers never send one message;
a failure pushes the next attempt back exponentially and keeps the message.  A worker killed between the SMTP
server's "250 OK" and its commit sends that message again when the lease runs out (at least once, never lost).

Bodies hold links as markers (``[[site]]/editor/claims/3``, ``[[tracking-link]]``) filled in at delivery from
PUBLISHER_URL and SECRET_KEY, so the services read no configuration and the database never holds a reader's
tracking link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Callable, Iterable, Sequence

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from ..models import (
    Alert,
    AlertSubscription,
    AlertStatus,
    CheckRequest,
    Claim,
    OutboxMessage,
    RequestGroup,
    Role,
    User,
    Verdict,
)
from ..translatable import Text, Text as _l, english

SITE = "[[site]]"
TRACKING_LINK = "[[tracking-link]]"
KINDS = ("review_requested", "sent_back", "assigned", "request_answered", "alert_digest", "alert_webhook")
WEBHOOK = "alert_webhook"
# Who gets the alert digest: the roles that decide alerts.
DIGEST_ROLES = (Role.ADMIN, Role.EDITOR)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- tracking links ---------------------------------------------------------------------------------------------


def tracking_token(secret_key: str | bytes, nonce: str) -> str:
    """The tracking token of a request with an e-mail: HMAC(SECRET_KEY, nonce), 32 URL-safe characters."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    digest = hmac.new(key, b"claimtrack tracking link\x00" + nonce.encode("ascii"), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).decode("ascii")[:32]


# --- writing messages -------------------------------------------------------------------------------------------


def _wants_mail(user: User | None) -> bool:
    return bool(user is not None and user.active and user.notify and user.email)


def enqueue(session: Session, recipient: str, subject: str, body: str, kind: str, user: User | None = None,
            related: tuple[str, int] | None = None) -> OutboxMessage:
    """Put one message in the outbox (flushed with the caller's transaction; due at once)."""
    message = OutboxMessage(recipient=recipient, user_id=user.id if user else None, subject=subject[:300],
                            body=body, kind=kind, related_type=related[0] if related else None,
                            related_id=related[1] if related else None, attempts=0, next_attempt_at=_now())
    session.add(message)
    return message


def in_language(code: str | None):
    """Write what follows in ``code`` (a person's own interface language), else in the newsroom's LANGUAGE:
    gettext below answers in it, whatever language the page that caused the message was in."""
    default = str(current_app.config.get("LANGUAGE") or "en") if has_app_context() else "en"
    return force_locale(code or default)


def _notify_people(session: Session, people: Iterable[User | None], compose: Callable[[], tuple[str, str]],
                   kind: str, related: tuple[str, int], actor: User | None) -> int:
    """``compose()`` -> (subject, body), called once per person in that person's language."""
    seen: set[int] = set()
    count = 0
    for person in people:
        if person is None or person.id in seen or (actor is not None and person.id == actor.id):
            continue
        seen.add(person.id)
        if _wants_mail(person):
            with in_language(person.ui_language):
                subject, body = compose()
            enqueue(session, person.email, subject, body, kind, person, related)
            count += 1
    return count


def _claim_line(claim: Claim) -> str:
    text = claim.text if len(claim.text) <= 200 else claim.text[:199] + "…"
    return f"“{text}”"


def review_requested(session: Session, verdict: Verdict, actor: User | None) -> int:
    """A verdict was submitted for review: tell the reviewers (never its author or whoever submitted it)."""
    claim = verdict.claim
    reviewers = session.scalars(select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
                                .order_by(User.id)).all()
    people = [r for r in reviewers if r.id not in (verdict.author_id, verdict.updated_by_id)]

    def compose() -> tuple[str, str]:
        who = actor.username if actor else gettext("Someone")
        return gettext("Review requested: claim #%(id)s", id=claim.id), (
            gettext("%(who)s asks for a review of the verdict on claim #%(id)s:", who=who, id=claim.id)
            + f"\n\n{_claim_line(claim)}\n\n"
            + gettext("Review it: %(link)s", link=f"{SITE}/editor/claims/{claim.id}") + "\n")
    return _notify_people(session, people, compose, "review_requested", ("verdict", verdict.id), actor)


def sent_back(session: Session, verdict: Verdict, actor: User | None, note: str | None = None) -> int:
    """A verdict was sent back from review: tell its author and its assignee."""
    claim = verdict.claim
    people = [session.get(User, uid) for uid in (verdict.author_id, verdict.assignee_id) if uid]

    def compose() -> tuple[str, str]:
        who = actor.username if actor else gettext("A reviewer")
        return gettext("Sent back: claim #%(id)s", id=claim.id), (
            gettext("%(who)s sent the verdict on claim #%(id)s back to the editor:", who=who, id=claim.id)
            + f"\n\n{_claim_line(claim)}\n\n"
            + (gettext("Note: %(note)s", note=note.strip()) + "\n\n" if note and note.strip() else "")
            + gettext("Open it: %(link)s", link=f"{SITE}/editor/claims/{claim.id}") + "\n")
    return _notify_people(session, people, compose, "sent_back", ("verdict", verdict.id), actor)


def assigned(session: Session, verdict: Verdict, assignee: User | None, actor: User | None) -> int:
    """A verdict was assigned: tell the assignee (not when they assigned it to themselves)."""
    if assignee is None:
        return 0
    claim = verdict.claim

    def compose() -> tuple[str, str]:
        who = actor.username if actor else gettext("Someone")
        return gettext("Assigned to you: claim #%(id)s", id=claim.id), (
            gettext("%(who)s assigned you the verdict on claim #%(id)s:", who=who, id=claim.id)
            + f"\n\n{_claim_line(claim)}\n\n"
            + gettext("Open it: %(link)s", link=f"{SITE}/editor/claims/{claim.id}") + "\n")
    return _notify_people(session, [assignee], compose, "assigned", ("verdict", verdict.id), actor)


def requests_answered(session: Session, claim_id: int) -> int:
    """The claim's check is published: write to every reader of its request groups who left an e-mail and was
    not written to yet, with their tracking link."""
    already = exists().where(OutboxMessage.kind == "request_answered", OutboxMessage.related_type == "check_request",
                             OutboxMessage.related_id == CheckRequest.id)
    readers = session.scalars(
        select(CheckRequest).join(RequestGroup, CheckRequest.group_id == RequestGroup.id)
        .where(RequestGroup.claim_id == claim_id, CheckRequest.email.is_not(None), ~already)
        .order_by(CheckRequest.id)).all()
    for request in readers:
        with in_language(request.ui_language):   # the language the reader asked in
            body = (gettext("You asked us to check this:") + "\n\n"
                    f"“{request.text if len(request.text) <= 300 else request.text[:299] + '…'}”\n\n"
                    + gettext("We have published our check. Read it here: %(link)s", link=TRACKING_LINK) + "\n\n"
                    + gettext("You get this message because you left your e-mail address with the request; we do "
                              "not write again about it.") + "\n")
            subject = gettext("Your fact-check request was answered")
        enqueue(session, request.email, subject, body, "request_answered", related=("check_request", request.id))
    return len(readers)


def _alert_matches(alert: Alert, subscription: AlertSubscription) -> bool:
    claim = alert.claim
    if subscription.field == "speaker":
        return str(claim.speaker_id) == subscription.value
    if subscription.field == "topic":
        return any(str(topic.id) == subscription.value for topic in claim.topics)
    if subscription.field == "verdict":
        return claim.verdict is not None and claim.verdict.rating == subscription.value
    if subscription.field == "source":
        return str(alert.feed_id) == subscription.value
    return False


def _alert_lines(alerts: Sequence[Alert], slack: bool) -> list[str]:
    lines = []
    for alert in alerts:
        where = alert.appearance.article.url if alert.appearance and alert.appearance.article else None
        if slack:  # Slack's mrkdwn: <url|text>; &, < and > escaped in text
            text = _claim_line(alert.claim).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            claim = f"<{SITE}/editor/claims/{alert.claim_id}|" + gettext("claim #%(id)s", id=alert.claim_id) + ">"
            place = f"<{where}>" if where else None
        else:
            claim, text, place = gettext("claim #%(id)s", id=alert.claim_id), _claim_line(alert.claim), where
        line = (gettext("%(claim)s %(text)s repeated in %(place)s (score %(score)s)", claim=claim, text=text,
                        place=place, score=round(alert.score)) if place else
                gettext("%(claim)s %(text)s repeated (score %(score)s)", claim=claim, text=text,
                        score=round(alert.score)))
        lines.append(("• " if slack else "- ") + line)
    return lines


def alert_digests(session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """Put the alerts not yet mailed into one digest per person (and a post to their webhook), and mark them
    mailed (taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never mail one alert twice).

    A person with subscriptions gets the alerts that match one of them (speaker, topic, verdict, source); editors
    and admins without any get every alert.  The caller commits.  Returns the number of messages written."""
    now = now or _now()
    alerts = session.scalars(
        select(Alert).where(Alert.digested_at.is_(None)).order_by(Alert.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    if not alerts:
        return 0
    for alert in alerts:
        alert.digested_at = now
    still_open = [a for a in alerts if a.status == AlertStatus.OPEN]
    if not still_open:
        session.flush()
        return 0
    subscriptions: dict[int, list[AlertSubscription]] = {}
    for subscription in session.scalars(select(AlertSubscription).order_by(AlertSubscription.id)):
        subscriptions.setdefault(subscription.user_id, []).append(subscription)
    people = session.scalars(select(User).where(User.active.is_(True), User.notify.is_(True))
                             .order_by(User.id)).all()
    count = 0
    for person in people:
        theirs = subscriptions.get(person.id)
        if theirs:
            chosen = [a for a in still_open if any(_alert_matches(a, sub) for sub in theirs)]
        elif person.role in DIGEST_ROLES:
            chosen = still_open
        else:
            continue
        if not chosen:
            continue
        with in_language(person.ui_language):
            subject = ngettext("%(num)d new alert(s)", "%(num)d new alert(s)", len(chosen))
            heading = ngettext("%(num)d new alert(s): monitored articles repeat published claims.",
                               "%(num)d new alert(s): monitored articles repeat published claims.", len(chosen))
            if person.email:
                body = (heading + "\n\n" + "\n".join(_alert_lines(chosen, slack=False)) + "\n\n"
                        + gettext("Confirm or dismiss them: %(link)s", link=f"{SITE}/editor/alerts") + "\n")
                enqueue(session, person.email, subject, body, "alert_digest", person, ("alert", chosen[-1].id))
                count += 1
            if person.webhook_url:
                text = (heading + "\n" + "\n".join(_alert_lines(chosen, slack=True))
                        + f"\n<{SITE}/editor/alerts|" + gettext("Confirm or dismiss them") + ">")
                enqueue(session, person.webhook_url, subject, json.dumps({"text": text}), "alert_webhook", person,
                        ("alert", chosen[-1].id))
                count += 1
    session.flush()
    return count


# --- subscriptions ----------------------------------------------------------------------------------------------

SUBSCRIPTION_FIELDS = ("speaker", "topic", "verdict", "source")


class SubscriptionError(ValueError):
    """A subscription that cannot be made; the message is for the person."""


# One whole sentence per field, so that each language words it its own way.
_NO_SUCH = {
    "speaker": lambda name: _l("There is no speaker called “%(name)s”.", name=name),
    "topic": lambda name: _l("There is no topic called “%(name)s”.", name=name),
    "verdict": lambda name: _l("There is no verdict called “%(name)s”.", name=name),
    "source": lambda name: _l("There is no source called “%(name)s”.", name=name),
}
_FOLLOWED = {
    "speaker": lambda name: _l("You follow the speaker “%(name)s” already.", name=name),
    "topic": lambda name: _l("You follow the topic “%(name)s” already.", name=name),
    "verdict": lambda name: _l("You follow the verdict “%(name)s” already.", name=name),
    "source": lambda name: _l("You follow the source “%(name)s” already.", name=name),
}


def subscriptions_of(session: Session, user: User) -> list[AlertSubscription]:
    """A person's alert subscriptions, oldest first."""
    return list(session.scalars(select(AlertSubscription).where(AlertSubscription.user_id == user.id)
                                .order_by(AlertSubscription.id)))


def subscribe(session: Session, user: User, field: str, text: str, scale) -> AlertSubscription:
    """Follow alerts by a speaker, topic, verdict (a key or label of ``scale``) or monitored source, named as the
    person typed it; raise SubscriptionError when there is no such one or they follow it already."""
    from sqlalchemy import func

    from ..models import MonitoredFeed, Speaker, Topic
    from .speakers import name_key

    text = (text or "").replace("\x00", " ").strip()[:200]
    if field not in SUBSCRIPTION_FIELDS:
        raise SubscriptionError(_l("Choose a speaker, topic, verdict or source."))
    if not text:
        raise SubscriptionError(_l("Type the name of the speaker, topic, verdict or source to follow."))
    value = label = None
    if field == "speaker":
        speaker = session.scalar(select(Speaker).where(Speaker.name_key == name_key(text)))
        if speaker is not None:
            value, label = str(speaker.id), speaker.name
    elif field == "topic":
        topic = session.scalar(select(Topic).where(func.lower(Topic.name) == text.lower()))
        if topic is not None:
            value, label = str(topic.id), topic.name
    elif field == "verdict":
        level = scale.get(text) or scale.resolve(text)
        if level is not None:
            value, label = level.key, level.label
    else:
        feed = session.scalar(select(MonitoredFeed).where(func.lower(MonitoredFeed.name) == text.lower())
                              .order_by(MonitoredFeed.id).limit(1))
        if feed is not None:
            value, label = str(feed.id), feed.name
    if value is None:
        raise SubscriptionError(_NO_SUCH[field](text))
    if session.scalar(select(AlertSubscription.id).where(AlertSubscription.user_id == user.id,
                                                         AlertSubscription.field == field,
                                                         AlertSubscription.value == value)) is not None:
        # a verdict's label is a word of the scale: said in the page's language
        raise SubscriptionError(_FOLLOWED[field](Text(label) if field == "verdict" else label))
    subscription = AlertSubscription(user_id=user.id, field=field, value=value, label=label[:200])
    session.add(subscription)
    session.flush()
    return subscription


def unsubscribe(session: Session, user: User, subscription_id: int) -> None:
    """Stop following one of one's own subscriptions (another person's id is refused as unknown)."""
    subscription = session.get(AlertSubscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise SubscriptionError(_l("There is no such subscription; reload the page."))
    session.delete(subscription)
    session.flush()


# --- delivery ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver (the SMTP_* and NOTIFY_* settings), and what fills the links in."""

    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "claimtrack@localhost"
    starttls: bool = True
    timeout: float = 20.0
    retry_seconds: float = 60.0
    retry_max_seconds: float = 6 * 3600.0
    lease_seconds: float = 300.0
    batch: int = 200
    site: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    # webhooks go through the SSRF-safe fetcher's checks: FETCH_ALLOWED_NETWORKS, FETCH_TIMEOUT_SECONDS
    allowed_networks: tuple[str, ...] = ()
    webhook_timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        """The settings of an app's config (SMTP_HOST empty: delivery is off)."""
        return cls(host=str(config.get("SMTP_HOST") or ""), port=int(config["SMTP_PORT"]),
                   username=str(config.get("SMTP_USERNAME") or ""), password=str(config.get("SMTP_PASSWORD") or ""),
                   sender=str(config["SMTP_FROM"]), starttls=bool(config["SMTP_STARTTLS"]),
                   timeout=float(config["SMTP_TIMEOUT_SECONDS"]), retry_seconds=float(config["NOTIFY_RETRY_SECONDS"]),
                   retry_max_seconds=float(config["NOTIFY_RETRY_MAX_SECONDS"]),
                   lease_seconds=float(config["NOTIFY_LEASE_SECONDS"]), batch=int(config["NOTIFY_BATCH"]),
                   site=str(config["PUBLISHER_URL"]).rstrip("/"), secret_key=str(config["SECRET_KEY"]),
                   allowed_networks=tuple(config["FETCH_ALLOWED_NETWORKS"]),
                   webhook_timeout=float(config["FETCH_TIMEOUT_SECONDS"]))

    @property
    def enabled(self) -> bool:
        """True when an SMTP server is configured."""
        return bool(self.host)


def smtp_configured(config) -> bool:
    """Whether the instance sends e-mail at all (SMTP_HOST is set)."""
    return bool(config.get("SMTP_HOST"))


def retry_delay(attempts: int, settings: SmtpSettings) -> timedelta:
    """How long to wait after the ``attempts``-th failure: NOTIFY_RETRY_SECONDS doubled each time, capped."""
    return timedelta(seconds=min(settings.retry_max_seconds, settings.retry_seconds * 2 ** max(attempts - 1, 0)))


def take_next(session: Session, settings: SmtpSettings, now: datetime | None = None,
              exclude: Sequence[int] = (), webhooks_only: bool = False) -> OutboxMessage | None:
    """Take the oldest due message for sending: hold it with a lease (``next_attempt_at`` moved on by
    NOTIFY_LEASE_SECONDS) through a conditional UPDATE that only one worker can win.  The caller commits at once."""
    now = now or _now()
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
             .with_for_update(skip_locked=True))
    if exclude:
        query = query.where(OutboxMessage.id.not_in(list(exclude)))
    if webhooks_only:
        query = query.where(OutboxMessage.kind == WEBHOOK)
    for _ in range(5):  # a message another worker won a moment ago: look again
        message_id = session.scalar(query)
        if message_id is None:
            return None
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(seconds=settings.lease_seconds))
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            message = session.get(OutboxMessage, message_id)
            session.refresh(message)
            return message
        session.rollback()
    return None


def render(session: Session, message: OutboxMessage, settings: SmtpSettings) -> EmailMessage:
    """The e-mail of an outbox message, with its links filled in."""
    body = message.body.replace(SITE, settings.site)
    if TRACKING_LINK in body:
        link = None
        if message.related_type == "check_request" and message.related_id is not None:
            request = session.get(CheckRequest, message.related_id)
            if request is not None and request.token_nonce and settings.secret_key:
                token = tracking_token(settings.secret_key, request.token_nonce)
                # services.requests.hash_token's sha256, computed here: requests imports this module
                if hmac.compare_digest(hashlib.sha256(token.encode("ascii")).hexdigest(), request.token_hash or ""):
                    link = f"{settings.site}/ask/track/{token}"
        # SECRET_KEY changed since the request: the link cannot be made again, so the message says where to look.
        body = body.replace(TRACKING_LINK, link or "the tracking link you got when you sent the request")
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@claimtrack>"
    email["X-Claimtrack-Kind"] = message.kind
    email.set_content(body)
    return email


class SmtpConnection:
    """One SMTP session for a pass, opened when the first message is sent."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        """Send one message; raise OSError or smtplib.SMTPException when the server does not take it."""
        if self._smtp is None:
            smtp = smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout)
            try:
                if self.settings.starttls:
                    smtp.starttls()
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password)
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        try:
            self._smtp.send_message(email)
        except OSError:  # smtplib's errors are OSErrors too
            self.close()
            raise

    def close(self) -> None:
        """End the session (quietly: the messages are committed already)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


@dataclass
class DeliveryReport:
    """What one pass did."""

    sent: int = 0
    failed: int = 0
    error: str | None = None


def _still_wanted(session: Session, message: OutboxMessage) -> bool:
    if message.user_id is None:
        return True
    user = session.get(User, message.user_id)
    if message.kind == WEBHOOK:
        return bool(user is not None and user.active and user.notify and user.webhook_url == message.recipient)
    return _wants_mail(user)


def _post_webhook(message: OutboxMessage, settings: SmtpSettings) -> None:
    from ..webpage import FetchError, post_json

    body = message.body.replace(SITE, json.dumps(settings.site)[1:-1])
    try:
        post_json(message.recipient, body.encode("utf-8"), allowed_networks=settings.allowed_networks,
                  timeout=settings.webhook_timeout)
    except FetchError as error:
        raise _WebhookFailed(english(error)) from None


def deliver_due(session: Session, settings: SmtpSettings, now: Callable[[], datetime] = _now) -> DeliveryReport:
    """Send the messages that are due, one by one, committing each; a failure keeps the message with its error
    and a later next attempt.  When the SMTP server cannot be reached, the pass sends only webhooks from then on
    (the e-mails wait their turn).  Without SMTP_HOST only webhooks are sent."""
    report = DeliveryReport()
    connection = SmtpConnection(settings)
    tried: list[int] = []
    webhooks_only = not settings.enabled
    try:
        while len(tried) < settings.batch:
            message = take_next(session, settings, now(), exclude=tried, webhooks_only=webhooks_only)
            if message is None:
                session.rollback()
                break
            session.commit()
            tried.append(message.id)
            try:
                if not _still_wanted(session, message):
                    raise _Withdrawn
                if message.kind == WEBHOOK:
                    _post_webhook(message, settings)
                else:
                    connection.send(render(session, message, settings))
            except _Withdrawn:
                message.sent_at, message.last_error = now(), "not sent: the person turned notifications off"
                session.commit()
            except (OSError, _WebhookFailed) as error:  # smtplib.SMTPException is an OSError
                message.attempts = (message.attempts or 0) + 1
                message.last_error = (str(error) if isinstance(error, _WebhookFailed)
                                      else f"{type(error).__name__}: {error}")[:2000]
                message.next_attempt_at = now() + retry_delay(message.attempts, settings)
                session.commit()
                report.failed += 1
                report.error = message.last_error
                if isinstance(error, OSError) and \
                        not isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)):
                    webhooks_only = True  # the SMTP server is down or refuses us: the e-mails wait for the next pass
            else:
                message.sent_at = now()
                message.attempts = (message.attempts or 0) + 1
                message.last_error = None
                session.commit()
                report.sent += 1
    finally:
        connection.close()
    return report


class _WebhookFailed(Exception):
    """A webhook refused (private address), unreachable or answering with an error."""


class _Withdrawn(Exception):
    """The recipient turned notifications off after the message was written."""


def outbox_counts(session: Session) -> dict[str, int]:
    """How many messages wait and how many of those have failed at least once (for the dashboard and the CLI)."""
    from sqlalchemy import func

    waiting, failing = session.execute(
        select(func.count(), func.count(OutboxMessage.last_error)).where(OutboxMessage.sent_at.is_(None))).one()
    return {"waiting": int(waiting or 0), "failing": int(failing or 0)}
