"""Settings read from the environment: development defaults, production strictness."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'],"
    " 'broker': settings.CELERY_BROKER_URL, 'hasher': settings.PASSWORD_HASHERS[0],"
    " 'tz': settings.USE_TZ}))"
)


def _clean_env(**extra):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "XDG_RUNTIME_DIR")}
    return keep | {"DJANGO_SETTINGS_MODULE": "config.settings"} | extra


def _run(code, **extra):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_development_defaults_need_no_server():
    import json

    result = _run(PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "debug": True,
        "engine": "config.embedded_backend",
        "broker": "filesystem://",
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "tz": True,
    }


def test_database_and_redis_urls_override_the_defaults():
    import json

    result = _run(
        PRINT_SETTINGS,
        DATABASE_URL="postgresql://u@db.example:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["broker"] == "redis://127.0.0.1:6379/3"


PRINT_ROLES = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'app': settings.DATABASE_APPLICATION_ROLE,"
    " 'owner': settings.DATABASE_OWNER['USER'], 'owner_host': settings.DATABASE_OWNER['HOST']}))"
)


@pytest.mark.parametrize(
    ("environment", "roles"),
    [
        ({}, {"app": "ecrf_app", "owner": "ecrf_owner", "owner_host": ""}),
        (
            {"DATABASE_URL": "postgresql://app:pw@db.example:5432/ecrf"},
            {"app": "app", "owner": "app", "owner_host": "db.example"},
        ),
        (
            {
                "DATABASE_URL": "postgresql://app:pw@db.example:5432/ecrf",
                "DATABASE_OWNER_URL": "postgresql://own:pw2@db.example:5432/ecrf",
            },
            {"app": "app", "owner": "own", "owner_host": "db.example"},
        ),
    ],
)
def test_the_application_and_owner_roles_come_from_two_urls(environment, roles):
    import json

    result = _run(PRINT_ROLES, **environment)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == roles


def test_owner_url_must_name_the_same_database():
    result = _run(
        PRINT_ROLES,
        DATABASE_URL="postgresql://app@db.example:5432/ecrf",
        DATABASE_OWNER_URL="postgresql://own@db.example:5432/other",
    )
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL must name the same database as DATABASE_URL" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _run(PRINT_SETTINGS, ECRF_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_check_deploy_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(
            ECRF_ENV="production",
            SECRET_KEY="x7!kq2#v9@" * 6,
            ALLOWED_HOSTS="ecrf.example.org",
            DATABASE_URL="postgresql://u@db.example:5432/x",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_bad_boolean_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env.env_bool("SOME_FLAG", default=False)


def test_bad_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER='ten' is not an integer"):
        env.env_int("SOME_NUMBER", 3)


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("ECRF_ENV", "prod")
    with pytest.raises(ImproperlyConfigured, match="ECRF_ENV"):
        env.env_choice("ECRF_ENV", "development", ("development", "production"))


PRINT_EXPORT_STORAGE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.STORAGES['exports']['BACKEND'])"
)
PRODUCTION = {
    "ECRF_ENV": "production",
    "SECRET_KEY": "x7!kq2#v9@" * 6,
    "DATABASE_URL": "postgresql://u@db.example:5432/x",
}


@pytest.mark.parametrize(
    ("extra", "backend"),
    [
        ({}, "exports.storage.ExportFileSystemStorage"),  # bin/start: this machine's var/
        (PRODUCTION, "exports.storage.DatabaseStorage"),  # every node shares the database
        ({**PRODUCTION, "EXPORT_STORAGE": "filesystem"}, "exports.storage.ExportFileSystemStorage"),
    ],
)
def test_export_storage_defaults(extra, backend):
    result = _run(PRINT_EXPORT_STORAGE, **extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == backend


def test_s3_export_storage_needs_a_bucket():
    result = _run(PRINT_EXPORT_STORAGE, **PRODUCTION, EXPORT_STORAGE="s3")
    assert result.returncode != 0
    assert "EXPORT_S3_BUCKET" in result.stderr or "django-storages" in result.stderr
