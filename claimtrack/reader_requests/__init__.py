"""Reader requests: the public "Ask us to check" form and tracking page (blueprint ``requests``), the newsroom's
triage (blueprint ``triage``, under /editor/requests) and ``flask requests purge``.  Both blueprints borrow helpers
from the public and editor views; nothing imports them back.  The rules are in services/requests.py."""
