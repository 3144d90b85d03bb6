"""The default login rate limit holds for the default server: 2 workers counting apart."""

from pathlib import Path

from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent

WORKERS = 2  # make run and the Procfile: gunicorn --workers 2, each with its own count


def test_the_default_limit_is_15_a_worker_so_30_a_minute_in_all(tmp_path, monkeypatch):
    monkeypatch.delenv("LOGIN_RATE_LIMIT", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"  # not shared between workers
    worker = app.test_client()
    codes = [
        worker.post("/login", data={"email": "x@example.org", "password": "p"}).status_code
        for _ in range(16)
    ]
    assert codes == [200] * 15 + [429]
    # The figure is per worker: with the default server's 2, one address gets 30 a minute.
    # Starting more workers by default would need a lower limit (or a shared storage).
    for name in ("Makefile", "Procfile"):
        assert f"--workers {WORKERS} " in (ROOT / name).read_text(), name
