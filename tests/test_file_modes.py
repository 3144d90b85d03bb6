"""The SQLite database, its -wal and -shm files and backups are readable by their owner only."""

import os
import stat

import pytest
import sqlalchemy as sa

from coach import create_app
from coach.extensions import db
from coach.models import AgencySettings


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)  # most systems' default: new files 0644
    yield
    os.umask(previous)


def test_a_new_database_and_its_backup_are_created_0600(tmp_path, usual_umask):
    database = tmp_path / "coach.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x"})
    try:
        with app.app_context():
            db.create_all()
            db.session.add(AgencySettings(id=1, name="Test agency"))
            db.session.commit()
            db.session.scalar(sa.select(AgencySettings.name))  # the -wal and -shm are open
            for name in ("coach.db", "coach.db-wal", "coach.db-shm"):
                assert mode(tmp_path / name) == 0o600, name

            backup = tmp_path / "backups" / "coach-copy.db"
            backup.parent.mkdir()
            result = app.test_cli_runner().invoke(args=["backup", str(backup)])
            assert result.exit_code == 0, result.output
            assert mode(backup) == 0o600
            # Over an existing file, too.
            old = tmp_path / "old.db"
            old.write_text("")
            old.chmod(0o644)
            assert app.test_cli_runner().invoke(args=["backup", str(old)]).exit_code == 0
            assert mode(old) == 0o600
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
