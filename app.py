"""Entry point for `flask --app app` and gunicorn (`app:app`)."""

import gc

from coach import create_app

app = create_app()
# What is loaded by now lives as long as the worker: keep it out of the garbage
# collector's full passes, which otherwise walk these 130,000 objects every few
# hundred requests (a quarter of a millisecond a request on the visit forms).
gc.freeze()
