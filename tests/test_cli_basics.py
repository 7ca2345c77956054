"""The CLI's shared behaviour: fast help, settings display with secrets masked, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from industrialmind.cli import app


def test_help_lists_config_command():
    """`industrialmind --help` succeeds and lists the config command."""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "config" in result.output


def test_config_json_masks_secrets(monkeypatch):
    """Secrets are masked in `config --json`, and URLs hide their password."""
    monkeypatch.setenv("IM_OPENAI_API_KEY", "sk-very-secret")
    monkeypatch.setenv("IM_RECORDS_URL", "postgresql://im:hunter2@db:5432/im")
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["openai_api_key"]["value"] == "********"
    assert "hunter2" not in result.output
    assert data["records_url"]["value"] == "postgresql://im:****@db:5432/im"


def test_help_does_not_import_heavy_libraries():
    """`--help` imports none of the heavy libraries (torch, transformers, chainlit, langgraph, mlflow)."""
    code = (
        "import sys; from industrialmind import cli\n"
        "heavy = [m for m in ('torch','transformers','chainlit','langgraph','mlflow','chromadb','duckdb','pandas',"
        "'confluent_kafka','onnxruntime','sqlalchemy') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"--help imported heavy modules: {out.stdout.strip()}"


def test_usage_errors_print_one_message_not_a_traceback():
    """An unknown option, a missing option value and an unknown command each print the usage error and a hint,
    exit 2, and show no traceback (typer vendors its own click, whose exceptions are not click's)."""
    for argv in (["eval", "routing", "--no-such-flag"], ["detect", "--asset"], ["no-such-command"]):
        out = subprocess.run([sys.executable, "-m", "industrialmind", *argv], capture_output=True, text=True)
        assert out.returncode == 2, (argv, out.stderr)
        assert "Traceback" not in out.stderr and out.stderr.startswith("error: "), (argv, out.stderr)


def test_bad_setting_is_one_config_error_line():
    """IM_WEB_PORT=abc exits 2 with one line naming the variable and the value, not a pydantic traceback."""
    import os

    env = {**os.environ, "IM_WEB_PORT": "abc"}
    out = subprocess.run([sys.executable, "-m", "industrialmind", "config"], capture_output=True, text=True, env=env,
                         check=False)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: bad setting IM_WEB_PORT='abc'") and "Traceback" not in out.stderr


def test_get_settings_out_of_range_is_config_error():
    """An out-of-range setting raises ConfigError naming the variable and its value."""
    import pytest

    from industrialmind.config import get_settings
    from industrialmind.errors import ConfigError

    with pytest.raises(ConfigError, match=r"IM_HF_MAX_NEW_TOKENS='0'"):
        get_settings(hf_max_new_tokens=0)


def test_exit_code_of_a_failed_check_reaches_the_shell(tmp_path):
    """`doctor` with an unreachable MLflow server exits 1 through the real entry point (click returns, not raises,
    the code of typer.Exit(1) outside standalone mode)."""
    import os

    env = {**os.environ, "IM_HOME": str(tmp_path), "IM_MLFLOW_URI": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-m", "industrialmind", "doctor"], capture_output=True, text=True, env=env,
                         check=False)
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "FAIL mlflow" in out.stdout and "Traceback" not in out.stderr


def test_home_that_is_a_file_is_config_error(tmp_path):
    """IM_HOME naming a file (or a folder under one) is a ConfigError, not a FileExistsError from a store."""
    import pytest

    from industrialmind.config import get_settings
    from industrialmind.errors import ConfigError

    afile = tmp_path / "home.txt"
    afile.write_text("")
    for home in (afile, afile / "sub"):
        with pytest.raises(ConfigError, match=r"IM_HOME=.*is a file, not a folder"):
            get_settings(home=home)
    assert get_settings(home=tmp_path / "new" / "home").home == tmp_path / "new" / "home"


def test_ensure_home_that_cannot_be_made_is_config_error():
    """A data home the system refuses to create (here under /proc) is a ConfigError naming IM_HOME."""
    import pytest

    from industrialmind.config import get_settings
    from industrialmind.errors import ConfigError

    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc")
    with pytest.raises(ConfigError, match="IM_HOME '/proc/im-home' cannot be created"):
        get_settings(home="/proc/im-home").ensure_home()


def test_log_level_setting_controls_the_projects_loggers(tmp_path):
    """IM_LOG_LEVEL=INFO shows the project's INFO records on stderr, the default WARNING hides them, and a value
    that is not a level is a one-line settings error."""
    import os

    code = ("import logging; from industrialmind.console import settings; settings(); "
            "logging.getLogger('industrialmind.probe').info('probe-info-line')")
    env = {k: v for k, v in os.environ.items() if k != "IM_LOG_LEVEL"} | {"IM_HOME": str(tmp_path)}
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    loud = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env | {"IM_LOG_LEVEL": "info"})
    assert quiet.returncode == 0 and "probe-info-line" not in quiet.stderr
    assert loud.returncode == 0 and "INFO industrialmind.probe: probe-info-line" in loud.stderr
    bad = subprocess.run([sys.executable, "-m", "industrialmind", "config"], capture_output=True, text=True,
                         env=env | {"IM_LOG_LEVEL": "LOUD"})
    assert bad.returncode == 2 and "not a log level" in bad.stderr and "Traceback" not in bad.stderr
