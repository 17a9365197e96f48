"""The editor home: the dashboard of the newsroom's work lists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask import current_app, render_template, request, url_for
from flask_login import current_user

from ..auth import roles_required
from ..db import db
from ..models import Role
from ..services.merge import waiting_merges
from ..services import dashboard as dashboard_service
from ..services import monitoring, notifications
from .views import bp

TITLES = {
    "mine": _l("My assignments"),
    "unassigned": _l("Unassigned new claims"),
    "review": _l("Waiting for review"),
    "published": _l("Recently published"),
    "resurfaced": _l("Resurfaced claims"),
}


def _page_url(args: dict[str, str], name: str, page: int) -> str:
    return url_for("editor.home", **{**args, f"page_{name}": page}, _anchor=name)


@bp.route("/")
@roles_required(Role.ADMIN, Role.EDITOR, Role.REVIEWER)
def home():
    """The dashboard: my assignments, unassigned claims, review queue, published and resurfaced claims."""
    speaker = (request.args.get("speaker") or "").strip()[:200] or None
    topic_name = (request.args.get("topic") or "").strip()[:100] or None
    pages = {name: request.args.get(f"page_{name}", 1, type=int) or 1 for name in dashboard_service.LISTS}
    topic = dashboard_service.find_topic(db.session, topic_name)
    unknown_topic = topic_name is not None and topic is None
    if unknown_topic:
        lists = {name: dashboard_service.Page(rows=[], page=1, has_next=False) for name in dashboard_service.LISTS}
    else:
        filters = dashboard_service.resolve_filters(db.session, speaker, topic)
        lists = dashboard_service.dashboard(db.session, current_user, filters, pages)
    args = {key: value for key, value in (("speaker", speaker), ("topic", topic.name if topic else None)) if value}
    args.update({f"page_{name}": str(page.page) for name, page in lists.items() if page.page > 1})
    pagers = {
        name: (
            _page_url(args, name, page.page - 1) if page.page > 1 else None,
            _page_url(args, name, page.page + 1) if page.has_next else None,
        )
        for name, page in lists.items()
    }
    return render_template(
        "editor/dashboard.html", lists=lists, titles=TITLES, pagers=pagers, speaker=speaker or "",
        topic=topic.name if topic else (topic_name or ""), unknown_topic=unknown_topic,
        filtered=bool(speaker or topic_name), topics=dashboard_service.topic_names(db.session),
        resurfaced_days=dashboard_service.RESURFACED_DAYS,
        open_alerts=monitoring.count_open_alerts(db.session),
        merges=waiting_merges(db.session),
        smtp_configured=notifications.smtp_configured(current_app.config),
        outbox=notifications.outbox_counts(db.session),
    )
