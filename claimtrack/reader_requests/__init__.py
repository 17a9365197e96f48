"""Reader requests: the public "Ask us to check" form and tracking page (on blueprint ``public``), the
newsroom's triage (on blueprint ``editor``) and ``flask requests purge``.  create_app imports the views before it
registers those blueprints (neither blueprint imports them back).  The rules are in services/requests.py."""
