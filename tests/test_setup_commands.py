"""Acceptance 8: the README's run command starts the demo, and CI runs the README's test command."""
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", setup)


def test_readme_gives_exactly_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert commands == ["bash bin/demo", "bash bin/test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.count("bash bin/test") == 2  # SQLite, then PostgreSQL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(),
                    reason="bin/demo installs into .venv; run the suite through bin/test")
def test_run_command_migrates_seeds_prints_logins_and_serves(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("BEATDESK_ENV", None)
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(["bash", "bin/demo", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    status = r.status
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        output = log.read_text()
        assert status == 200, output[-2000:]
        assert "Demo accounts skip the second factor" in page
        assert "Demo logins (password for all:" in output
        for login in ("admin", "news", "records", "d1.commander", "d1.sergeant", "d1.rep1"):
            assert re.search(rf"^\s+{re.escape(login)}\s", output, re.M), login
        assert f"http://127.0.0.1:{port}/" in output
    finally:
        try:
            os.killpg(process.pid, 15)
        except ProcessLookupError:  # it has already ended (the assertion above says why)
            pass
        process.wait(timeout=30)
