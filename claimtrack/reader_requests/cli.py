"""`flask requests ...`: reader requests from the command line (purging old personal data)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import db
from ..services import requests as requests_service

requests_cli = AppGroup("requests", help="Reader requests (\"Ask us to check\").")


@requests_cli.command("purge")
@click.option("--older-than", "older_than", default=None, metavar="AGE",
              help="Delete requests asked longer ago than AGE: 90d, 12w or 48h (default REQUESTS_RETENTION_DAYS).")
def purge(older_than: str | None) -> None:
    """Delete reader requests and their personal data (text, place, e-mail, tracking link) older than AGE."""
    from flask import current_app

    try:
        age = requests_service.parse_age(older_than or f"{int(current_app.config['REQUESTS_RETENTION_DAYS'])}d")
    except requests_service.RequestError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from None
    deleted = requests_service.purge(db.session, age)
    db.session.commit()
    click.echo(f"Deleted {deleted} request(s) older than {age.days} day(s)"
               f"{'' if age.seconds == 0 else f' and {age.seconds // 3600} hour(s)'}.")
