"""The embedded PostgreSQL a newcomer gets when DATABASE_URL is not set.

pgserver ships PostgreSQL binaries inside its wheel, so nothing has to be installed on the
machine. The data lives under var/ (git-ignored) and survives restarts.

Like every other deployment it has two roles (config/database_roles.py): `ecrf_owner` owns the
database and runs the migrations, `ecrf_app` is what the application connects as. The
server's own superuser (`postgres`) is used only here, to create them.
"""

import os
import warnings
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from config import database_roles

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "ecrf"
OWNER_ROLE = "ecrf_owner"
APPLICATION_ROLE = "ecrf_app"

_server = None


def pgdata_dir() -> Path:
    return Path(os.environ.get("ECRF_EMBEDDED_PGDATA", DEFAULT_PGDATA))


def ensure_server(*, keep_running: bool = False):
    """Start (or attach to) the embedded server and make sure the project database exists.

    keep_running=False stops the server when the last Python process using it exits;
    the start command passes True only for the supervisor that owns its lifetime.
    """
    global _server
    if _server is None:
        # platformdirs warns when XDG_RUNTIME_DIR is unset; its /tmp fallback is fine here.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")
        import pgserver

        path = pgdata_dir()
        path.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(path, cleanup_mode=None if keep_running else "stop")
        admin = server.get_uri(database="postgres")
        roles = database_roles.Roles(
            database=DATABASE_NAME, owner=OWNER_ROLE, application=APPLICATION_ROLE
        )
        if not database_roles.roles_in_place(admin, roles):
            database_roles.ensure_roles(admin, roles)
        _server = server
    return _server


def socket_dir() -> str:
    """Where the server listens: its pgdata, or a shorter runtime path when that is too long."""
    uri = ensure_server().get_uri()
    return unquote(parse_qs(urlsplit(uri).query)["host"][0])


def database_url(user: str = APPLICATION_ROLE) -> str:
    """A DATABASE_URL (the application's role by default) once ensure_server() has run."""
    return f"postgresql://{user}@/{DATABASE_NAME}?host={quote(socket_dir(), safe='/')}"


def owner_url() -> str:
    """The DATABASE_OWNER_URL of the embedded database."""
    return database_url(OWNER_ROLE)
