"""Serve the app with gunicorn on loopback, as `make run` does: for bench, soak and Lighthouse."""

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The repository's gunicorn settings (tokens kept out of the logs), whatever the cwd.
CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_gunicorn(
    port: int,
    env: dict,
    ready: Callable[[subprocess.Popen], bool] | None = None,
    threads: int = 1,
    **popen,
) -> subprocess.Popen:
    """gunicorn with 2 sync workers on 127.0.0.1:port, once it answers (and `ready` holds).

    With threads > 1, 2 gthread workers of that many threads each.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(CONFIG),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *(["--threads", str(threads)] if threads > 1 else []),
            "app:app",
        ],
        env=env,
        **popen,
    )
    for _ in range(150):
        if port_open(port) and (ready is None or ready(proc)):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start on port {port}")
