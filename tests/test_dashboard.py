"""The editor dashboard: each list shows the right claims, resurfaced claims, filters, pages and access,
on SQLite and PostgreSQL."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from claimtrack.db import db
from claimtrack.models import (Appearance, AppearanceStatus, Article, Claim, Speaker, Stance, Topic, Verdict,
                               VerdictStatus)
from claimtrack.services.speakers import name_key

from .helpers import make_user

NOW = datetime.now(timezone.utc)


@pytest.fixture
def people(app):
    return {role: make_user(app, role, role) for role in ("admin", "editor", "reviewer")}


def add_claim(app, text, *, speaker=None, topics=(), status=None, assignee=None, author=None, published_at=None,
              created_at=None):
    """A claim (with a verdict in ``status`` when given), written through the models, committed."""
    with app.app_context():
        session = db.session
        speaker_row = None
        if speaker:
            speaker_row = session.scalar(select(Speaker).where(Speaker.name_key == name_key(speaker)))
            if speaker_row is None:
                speaker_row = Speaker(name=speaker, name_key=name_key(speaker))
        topic_rows = []
        for name in topics:
            topic = session.scalar(select(Topic).where(Topic.name == name)) or Topic(name=name)
            topic_rows.append(topic)
        claim = Claim(text=text, speaker=speaker_row, topics=topic_rows)
        session.add(claim)
        session.flush()
        if status is not None:
            verdict = Verdict(claim_id=claim.id, status=VerdictStatus(status), assignee_id=assignee,
                              author_id=author, published_at=published_at, rating="false" if published_at else None)
            if created_at is not None:
                verdict.created_at = verdict.updated_at = created_at
            session.add(verdict)
        session.commit()
        return claim.id


def add_appearance(app, claim_id, at, stance=Stance.REPEATS):
    with app.app_context():
        article = Article(text=f"article {claim_id} {at.isoformat()} {stance.value}",
                          content_hash=f"{claim_id}-{at.timestamp()}-{stance.value}")
        db.session.add(article)
        db.session.flush()
        db.session.add(Appearance(claim_id=claim_id, article_id=article.id, sentence="again", position=0,
                                  created_at=at, status=AppearanceStatus.LINKED, stance=stance))
        db.session.commit()


def section(html, name):
    match = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(0)


def dashboard(client, **params):
    response = client.get("/editor/", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/editor/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_list_shows_its_claims(app, client, auth, people):
    editor, reviewer = people["editor"], people["reviewer"]
    add_claim(app, "Mine researching", status="researching", assignee=editor)
    add_claim(app, "Mine but published", status="published", assignee=editor, published_at=NOW)
    add_claim(app, "Reviewer's job", status="draft", assignee=reviewer)
    add_claim(app, "Nobody new older", status="new", created_at=NOW - timedelta(days=2))
    add_claim(app, "Nobody researching newer", status="researching")
    add_claim(app, "Taken new", status="new", assignee=reviewer)
    add_claim(app, "Nobody draft", status="draft")
    add_claim(app, "Review by reviewer", status="in_review", author=reviewer)
    add_claim(app, "Review by editor", status="in_review", author=editor)
    add_claim(app, "Published long ago", status="published", published_at=NOW - timedelta(days=30))
    add_claim(app, "Published just now", status="published", published_at=NOW + timedelta(minutes=1))
    add_claim(app, "No verdict at all")

    auth.login("editor")
    html = dashboard(client)
    mine = section(html, "mine")
    assert "Mine researching" in mine and "Mine but published" not in mine and "Reviewer&#39;s job" not in mine
    unassigned = section(html, "unassigned")
    assert "Taken new" not in unassigned and "Nobody draft" not in unassigned
    assert unassigned.index("Nobody researching newer") < unassigned.index("Nobody new older")
    review = section(html, "review")
    assert "Review by reviewer" in review and "Review by editor" in review  # an editor sees the whole queue
    published = section(html, "published")
    assert published.index("Published just now") < published.index("Published long ago")
    assert "Mine researching" not in published and 'class="badge v-false"' in published
    assert "No verdict at all" not in html
    with app.app_context():
        claim_id = db.session.scalar(select(Claim.id).where(Claim.text == "Mine researching"))
    assert f'href="/editor/claims/{claim_id}"' in mine

    auth.logout()
    auth.login("reviewer")
    html = dashboard(client)
    assert "Reviewer&#39;s job" in section(html, "mine")
    review = section(html, "review")
    assert "Review by editor" in review and "Review by reviewer" not in review  # nobody reviews their own


def test_resurfaced_claims_need_an_appearance_after_publication(app, client, auth, people):
    published = NOW - timedelta(days=10)
    back = add_claim(app, "The debunked claim is back", status="published", published_at=published)
    quiet = add_claim(app, "Only repeated before its check", status="published", published_at=published)
    unpublished = add_claim(app, "Still being checked", status="researching")
    add_appearance(app, quiet, published - timedelta(days=1))
    add_appearance(app, back, published - timedelta(days=1))
    add_appearance(app, unpublished, NOW)
    auth.login("editor")
    assert "The debunked claim" not in section(dashboard(client), "resurfaced")

    add_appearance(app, back, published + timedelta(days=2))
    add_appearance(app, back, published + timedelta(days=5))
    latest_quiet = add_claim(app, "Back later but less often", status="published", published_at=published)
    add_appearance(app, latest_quiet, published + timedelta(days=1))
    add_appearance(app, quiet, published - timedelta(hours=1))
    disputed = add_claim(app, "Only disputed since its check", status="published", published_at=published)
    add_appearance(app, disputed, published + timedelta(days=3), Stance.DISPUTES)   # a rebuttal: not "back"
    add_appearance(app, disputed, published + timedelta(days=4), Stance.MENTIONS)
    long_ago = add_claim(app, "Back only long ago", status="published", published_at=NOW - timedelta(days=400))
    add_appearance(app, long_ago, NOW - timedelta(days=300))  # outside the dashboard's window
    resurfaced = section(dashboard(client), "resurfaced")
    assert "Only repeated before" not in resurfaced and "Still being checked" not in resurfaced
    assert "Back only long ago" not in resurfaced and "Only disputed since" not in resurfaced
    row = re.search(r"<tr>(?:(?!</tr>).)*The debunked claim is back.*?</tr>", resurfaced, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[4] == "2"  # the two appearances after publication, not the one before
    assert (published + timedelta(days=5)).strftime("%Y-%m-%d") in cells[5]
    # sorted by the latest new appearance
    assert resurfaced.index("The debunked claim is back") < resurfaced.index("Back later but less often")


def test_filters_by_speaker_and_topic(app, client, auth, people):
    add_claim(app, "Health claim by Jane", speaker="Jane O'Hara", topics=["health"], status="new")
    add_claim(app, "Budget claim by Jane", speaker="Jane O'Hara", topics=["budget"], status="new")
    add_claim(app, "Health claim by Bob", speaker="Bob Stone", topics=["health"], status="published",
              published_at=NOW)
    auth.login("editor")
    html = dashboard(client, speaker="o'hara")
    assert "Health claim by Jane" in html and "Budget claim by Jane" in html and "Health claim by Bob" not in html
    html = dashboard(client, topic="Health")
    assert "Health claim by Jane" in html and "Health claim by Bob" in html and "Budget claim" not in html
    html = dashboard(client, speaker="jane", topic="health")
    assert "Health claim by Jane" in html and "Budget claim" not in html and "by Bob" not in html
    assert 'value="jane"' in html and '<option value="health" selected>' in html
    html = dashboard(client, speaker="%")
    assert "claim by" not in html  # LIKE wildcards are taken literally
    html = dashboard(client, topic="astrology")
    assert "There is no topic named" in html and "claim by" not in html


def test_lists_are_paged_and_keep_the_filters(app, client, auth, people):
    for i in range(25):
        add_claim(app, f"Open claim number {i:02d}", speaker="Ann Lee", status="new")
    add_claim(app, "Open claim by someone else", speaker="Other Person", status="new")
    auth.login("editor")
    first = section(dashboard(client, speaker="ann"), "unassigned")
    assert first.count("Open claim number") == 20 and "number 24" in first and "number 04" not in first
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "page_unassigned=2" in next_url and "speaker=ann" in next_url
    second = section(client.get(next_url).get_data(as_text=True), "unassigned")
    assert second.count("Open claim number") == 5 and "number 04" in second and "number 05" not in second
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert "someone else" not in second
    # other lists keep their first page; a page past the end is simply empty
    assert "Nothing was published yet." in section(dashboard(client, page_unassigned=2), "published")
    assert "No new claim" in section(dashboard(client, page_unassigned=99), "unassigned")
    assert dashboard(client, page_unassigned="x")


def test_merged_claims_and_escaping(app, client, auth, people):
    target = add_claim(app, "The surviving claim", status="new")
    merged = add_claim(app, "The duplicate claim", status="new")
    add_claim(app, "<script>alert(1)</script>", speaker="<b>Bold</b>", status="new")
    with app.app_context():
        db.session.get(Claim, merged).merged_into_id = target
        db.session.commit()
    auth.login("reviewer")
    html = dashboard(client)
    assert "The surviving claim" in html and "The duplicate claim" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html and "<script" not in html


@pytest.mark.parametrize("selective_claims", [0, 5000])
def test_broad_and_narrow_filters_give_the_same_lists(app, people, selective_claims):
    """Broad filters are applied in SQL, narrow ones as a list of claim ids: both give the same rows."""
    from claimtrack.models import User
    from claimtrack.services import dashboard as service

    published = NOW - timedelta(days=3)
    for i in range(6):
        claim_id = add_claim(app, f"Jane's claim {i}", speaker="Jane Roe", topics=["health"] if i % 2 else ["tax"],
                             status=["new", "published"][i % 2], published_at=published if i % 2 else None)
        add_appearance(app, claim_id, NOW - timedelta(hours=i))
    other = add_claim(app, "Someone else's claim", speaker="Bob Stone", topics=["health"], status="published",
                      published_at=published)
    add_appearance(app, other, NOW)
    with app.app_context():
        user = db.session.get(User, people["editor"])
        health = service.find_topic(db.session, "health")
        filters = service.resolve_filters(db.session, "roe", health, selective_claims=selective_claims)
        assert (filters.claim_ids is None) == (selective_claims == 0)
        lists = service.dashboard(db.session, user, filters, {})
        published_texts = [v.claim.text for v in lists["published"].rows]
        resurfaced_texts = [r.claim.text for r in lists["resurfaced"].rows]
        assert published_texts == ["Jane's claim 5", "Jane's claim 3", "Jane's claim 1"]
        assert resurfaced_texts == ["Jane's claim 1", "Jane's claim 3", "Jane's claim 5"]
        assert [r.new_appearances for r in lists["resurfaced"].rows] == [1, 1, 1]
        assert lists["unassigned"].rows == []  # Jane's open claims are all about tax
