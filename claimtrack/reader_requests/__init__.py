"""Reader requests: the public "Ask us to check" form and tracking page (on blueprint ``public``), the
newsroom's triage (on blueprint ``editor``) and ``flask requests purge``.  The rules are in
services/requests.py."""
