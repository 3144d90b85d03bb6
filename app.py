"""Entry point for `flask --app app` and gunicorn (`app:app`)."""

from coach import create_app

app = create_app()
