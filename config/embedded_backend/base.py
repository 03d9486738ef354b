"""Django's PostgreSQL backend, starting the embedded server on first connection."""

from django.db.backends.postgresql import base

from config import embedded_postgres


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"] = embedded_postgres.socket_dir()
        return params
