"""The forked Django processes of the settings tests (fresh_django.py) behave as new ones."""

import subprocess
import time
from pathlib import Path

import pytest

from caseaudit.core.tests.fresh_django import run_manage, run_python


def test_a_child_has_the_environment_given_and_no_settings_or_caseaudit_yet():
    code = (
        "import os, sys; from django.conf import settings; "
        "print(sorted(os.environ), settings.configured, "
        "any(name.startswith('caseaudit') for name in sys.modules))"
    )
    result = run_python({"ONLY_THIS": "1"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['ONLY_THIS'] False False"


def test_each_child_reads_the_settings_module_afresh():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env = {"DJANGO_SETTINGS_MODULE": "caseaudit.settings", "SECRET_KEY": "x" * 50}
    assert run_python({**env, "DEBUG": "1"}, code).stdout.strip() == "True"
    assert run_python(env, code).stdout.strip() == "False"


@pytest.mark.parametrize(
    ("code", "returncode", "stdout", "stderr"),
    [
        ("print('out'); import sys; print('err', file=sys.stderr)", 0, "out\n", "err\n"),
        ("raise ValueError('broken')", 1, "", "ValueError: broken\n"),
        ("import sys; print('so far'); sys.exit(3)", 3, "so far\n", ""),
        ("import sys; sys.exit('a message')", 1, "", "a message\n"),
    ],
)
def test_exit_status_and_output_are_those_of_python_c(code, returncode, stdout, stderr):
    result = run_python({}, code)
    assert result.returncode == returncode
    assert result.stdout == stdout
    assert result.stderr.endswith(stderr)


def _running(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_child_past_its_time_is_stopped_and_the_next_run_works(tmp_path):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    with pytest.raises(subprocess.TimeoutExpired):
        run_python({}, code, timeout=1)
    pid = int(pid_file.read_text())
    for _ in range(50):  # SIGKILL is delivered at once; the child's exit may take a moment
        if not _running(pid):
            break
        time.sleep(0.05)
    assert not _running(pid)
    assert run_python({}, "print('again')").stdout == "again\n"


def test_manage_py_runs_with_its_arguments():
    env = {"DJANGO_SETTINGS_MODULE": "caseaudit.settings", "SECRET_KEY": "x" * 50}
    result = run_manage(env, "diffsettings", "--output", "unified")
    assert result.returncode == 0, result.stderr
    assert "+ SECRET_KEY = '" + "x" * 50 + "'" in result.stdout
