"""WSGI entry point for gunicorn or waitress: `gunicorn -w 4 wsgi:app`."""

from app import create_app

app = create_app()
