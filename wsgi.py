"""The WSGI entry point: `flask` finds it, gunicorn serves `wsgi:app`."""

from claimtrack import create_app

app = create_app()
