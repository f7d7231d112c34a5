"""The package as the Dockerfile installs it: a wheel in a fresh venv, not this checkout.

No Docker engine runs in CI, so this is how the container's install steps are checked:
the same `pip install` of a built wheel, then the commands the container runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import REPO, clean_env, run_monitor


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_wheel_installs_and_runs_with_migrations_templates_and_demo(tmp_path: Path) -> None:
    built = _run(sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"),
                 str(REPO), cwd=tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("monitor-*.whl")

    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    installed = _run(str(bin_dir / "pip"), "install", "-q", str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    monitor = str(bin_dir / "monitor")
    work = tmp_path / "work"
    work.mkdir()

    version = _run(monitor, "--version", cwd=work)
    assert version.returncode == 0
    assert "monitor, version" in version.stdout
    check = _run(monitor, "check", str(REPO / "sources.yaml"), cwd=work)
    assert check.returncode == 0, check.stderr
    upgrade = _run(monitor, "db", "upgrade", cwd=work, MONITOR_DATA_DIR=str(work / "data"))
    assert upgrade.returncode == 0, upgrade.stderr  # migrations travel inside the wheel
    status = _run(monitor, "db", "status", cwd=work, MONITOR_DATA_DIR=str(work / "data"))
    assert status.returncode == 0, status.stdout + status.stderr
    demo = _run(monitor, "demo", "--dir", str(work / "demo"), cwd=work)
    assert demo.returncode == 0, demo.stdout + demo.stderr  # templates and demo site too
    assert (work / "demo" / "digest.html").is_file()


def test_dockerfile_follows_the_rules_for_the_container() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.12." in dockerfile
    assert "-slim" in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile  # the wheel install tested above
    assert "\nUSER monitor\n" in dockerfile
    assert 'VOLUME ["/data"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    assert "MONITOR_HTTP_HOST=0.0.0.0" in dockerfile  # reachable from outside the container
    assert 'CMD ["run"]' in dockerfile
    assert 'ENTRYPOINT ["monitor"]' in dockerfile
    # The healthcheck asks the port the service listens on, not a fixed one.
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :].split("\n\n")[0]
    assert "MONITOR_HTTP_PORT" in healthcheck
    # The configuration is mounted at run time, never copied into the image.
    assert "sources.yaml /config" not in dockerfile
    assert not [line for line in dockerfile.splitlines()
                if line.startswith("COPY") and "sources.yaml" in line]  # fmt: skip


def test_the_build_context_leaves_out_the_checkout_state() -> None:
    ignored = set((REPO / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "data", ".env", "tests"} <= ignored


def test_a_container_without_its_configuration_stops_naming_the_file(tmp_path: Path) -> None:
    # What the image's `monitor run` meets when nothing is mounted at /config.
    missing = tmp_path / "config" / "sources.yaml"
    result = run_monitor(
        "run", cwd=tmp_path, timeout=60,
        MONITOR_CONFIG=str(missing), MONITOR_DATA_DIR=str(tmp_path / "data"),
    )  # fmt: skip
    assert result.returncode == 2
    assert str(missing) in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_compose_runs_replicas_on_postgres_with_a_mail_catcher() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"monitor", "postgres", "mail"}
    monitor = services["monitor"]
    assert monitor["environment"]["MONITOR_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert monitor["environment"]["MONITOR_SMTP_URL"] == "smtp://mail:1025"
    assert monitor["deploy"]["replicas"] >= 2
    assert monitor["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in services.values():  # pinned: an upgrade is a reviewed change
        if "image" in service:
            assert ":" in service["image"]
            assert not service["image"].endswith(":latest")
    # The mail catcher shows every mail sent: for this machine only.
    assert all(port.startswith("127.0.0.1:") for port in services["mail"]["ports"])
