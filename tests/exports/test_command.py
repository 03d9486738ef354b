"""`manage.py export` for scheduled exports: recorded like the others, scoped by --user."""

import zipfile

import pytest
from django.core.management import CommandError, call_command

from exports.models import ExportChannel, ExportRun


def test_command_writes_the_file_and_records_the_run(data, tmp_path, capsys):
    output = tmp_path / "sdtm.zip"
    call_command("export", "--format", "sdtm", "--output", str(output), "--site", "FR01")
    assert "ae.xpt" in zipfile.ZipFile(output).namelist()
    run = ExportRun.objects.get()
    assert (run.channel, run.requested_by, run.filters["sites"]) == (
        ExportChannel.COMMAND,
        None,
        ["FR01"],
    )
    assert f"Export {run.pk} written to {output}" in capsys.readouterr().out


def test_command_as_a_user_is_limited_to_their_sites(data, tmp_path):
    with pytest.raises(CommandError, match="FR02"):
        call_command(
            "export", "--format", "csv", "--output", str(tmp_path / "x.zip"),
            "--user", "dm_a", "--site", "FR02",
        )  # fmt: skip
    call_command("export", "--format", "csv", "--output", str(tmp_path / "x.zip"), "--user", "dm_a")
    assert ExportRun.objects.get().filters["sites"] == ["FR01"]


def test_command_refuses_a_user_who_may_not_export(data, tmp_path):
    with pytest.raises(CommandError, match="administrators and data managers"):
        call_command(
            "export", "--format", "odm", "--output", str(tmp_path / "x.xml"), "--user", "coord_a"
        )


def test_command_refuses_an_output_folder_that_does_not_exist(data, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export", "--format", "audit", "--output", str(tmp_path / "no" / "a.csv"))
