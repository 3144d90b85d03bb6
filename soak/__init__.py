"""`make soak`: load and faults (a killed worker, a locked database) against gunicorn."""
