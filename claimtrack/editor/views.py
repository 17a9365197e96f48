"""Editor pages: the home page that lists claims."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..auth import roles_required
from ..db import db
from ..models import Role, claims_newest_first

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.route("/")
@roles_required(Role.ADMIN, Role.EDITOR, Role.REVIEWER)
def home():
    """List claims, newest first, a page at a time."""
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 100_000))
    per_page = current_app.config["CLAIMS_PER_PAGE"]
    rows = db.session.scalars(claims_newest_first().limit(per_page + 1).offset((page - 1) * per_page)).all()
    return render_template(
        "editor/home.html",
        claims=rows[:per_page],
        page=page,
        has_next=len(rows) > per_page,
    )
