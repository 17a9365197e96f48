"""Grouping quality of reader requests: pairwise precision and recall on a labelled set from the dev splits.

The labelled set: every dev-split query of ../shared/data/claim-retrieval/*/dev.jsonl is a reader request;
two requests belong together when they share a gold claim.  Each dataset gets a fresh SQLite database
(the real migrations), its fact-check claims imported (so the matcher's term statistics are those of a
real archive), then the queries are submitted one by one through ``services.requests.submit_request``
(the instant answer is skipped: every request is queued and grouped).  A pair of requests is predicted
together when they land in one group; pairwise precision = correct pairs / predicted pairs, recall =
correct pairs / gold pairs.  Also prints the figures at other "same" thresholds (GROUP_THRESHOLDS).

    python bench/request_grouping.py [--data ../shared/data] [--dataset snopes-tweets]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, read_jsonl

sys.path.insert(0, str(ROOT))

DATASETS = ("snopes-tweets", "politifact-debates")
GROUP_THRESHOLDS = (60.0, 70.0, 80.0, 90.0)


def pairs(groups: dict[str, object]) -> set[tuple[str, str]]:
    """Every unordered pair of items that share a label."""
    by_label: dict[object, list[str]] = {}
    for item, label in groups.items():
        by_label.setdefault(label, []).append(item)
    return {tuple(sorted(p)) for members in by_label.values() for p in itertools.combinations(members, 2)}


def gold_pairs(queries: list[dict]) -> set[tuple[str, str]]:
    """Pairs of queries that share at least one gold claim."""
    out = set()
    for a, b in itertools.combinations(queries, 2):
        if set(a["gold"]) & set(b["gold"]):
            out.add(tuple(sorted((a["id"], b["id"]))))
    return out


def run(dataset_dir: Path, threshold: float, workdir: Path, by_claim: bool) -> dict[str, int]:
    """Submit the dev queries in order; the group of each query id."""
    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.models import CheckRequest
    from claimtrack.services import requests as requests_service

    database = workdir / f"{dataset_dir.name}.sqlite"
    url = f"sqlite:///{database}"
    if not database.exists():
        flask(["db", "upgrade"], url)
        flask(["claims", "import", str(dataset_dir / "claims.jsonl")], url)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
    groups = {}
    with app.app_context():
        settings = app.extensions["match_settings"]
        settings = replace(settings, thresholds=replace(settings.thresholds, same_claim=threshold))
        session = db.session
        session.execute(CheckRequest.__table__.delete())
        session.execute(requests_service.RequestGroup.__table__.delete())
        for query in read_jsonl(dataset_dir / "dev.jsonl"):
            try:
                data = requests_service.clean_request(query["text"][:requests_service.MAX_TEXT_CHARS])
            except requests_service.RequestError:
                continue  # too short to be a request: never grouped, so only its gold pairs count (as misses)
            request, _ = requests_service.submit_request(session, data, settings, by_claim=by_claim)
            groups[query["id"]] = request.group_id
        session.rollback()
        db.engine.dispose()
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--dataset", choices=DATASETS)
    args = parser.parse_args()
    from claimtrack.matching import DEFAULT_THRESHOLDS

    with tempfile.TemporaryDirectory(prefix="request-grouping-") as tmp:
        workdir = Path(tmp)
        for by_claim, title in ((True, "as deployed: by the claim they match (archive imported), else among themselves"),
                                (False, "among themselves only (similarity of requests, no claim matching)")):
            print(f"# grouping {title}")
            totals: dict[float, list[int]] = {t: [0, 0, 0] for t in GROUP_THRESHOLDS}
            for name in ([args.dataset] if args.dataset else DATASETS):
                dataset_dir = args.data / "claim-retrieval" / name
                queries = read_jsonl(dataset_dir / "dev.jsonl")
                gold = gold_pairs(queries)
                for threshold in GROUP_THRESHOLDS:
                    predicted = pairs(run(dataset_dir, threshold, workdir, by_claim))
                    correct = len(predicted & gold)
                    totals[threshold][0] += correct
                    totals[threshold][1] += len(predicted)
                    totals[threshold][2] += len(gold)
                    marker = "  <- configured" if threshold == DEFAULT_THRESHOLDS.same_claim else ""
                    print(f"{name:20s} same>={threshold:4.0f}: {len(queries)} requests, {len(gold)} gold pairs, "
                          f"{len(predicted)} predicted; precision "
                          f"{correct / len(predicted) if predicted else 1.0:.3f} "
                          f"recall {correct / len(gold) if gold else 1.0:.3f}{marker}")
            for threshold, (correct, predicted, gold_n) in totals.items():
                marker = "  <- configured" if threshold == DEFAULT_THRESHOLDS.same_claim else ""
                print(f"{'all':20s} same>={threshold:4.0f}: precision "
                      f"{correct / predicted if predicted else 1.0:.3f} recall {correct / gold_n if gold_n else 1.0:.3f}"
                      f" ({correct}/{predicted} predicted, {gold_n} gold pairs){marker}")

if __name__ == "__main__":
    main()
