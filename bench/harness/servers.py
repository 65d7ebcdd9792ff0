"""Start and stop the servers the benchmark measures, each in its own process group."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ISSO_VENV = ROOT / "bench" / ".isso-venv"
ISSO_VERSION = "0.14.0"
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """Every process started, so that all of them are stopped at the end, whatever happened."""

    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict, ready_path: str, port: int,
              log: Path, cwd: Path = ROOT, timeout: float = 60) -> subprocess.Popen:
        with open(log, "ab") as out:
            process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=out,
                                       start_new_session=True)
        self.processes.append((name, process))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} stopped at start-up (exit {process.returncode}); "
                                   f"see {log}:\n{_tail(log)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", ready_path)
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    return process
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer on port {port}; see {log}:\n{_tail(log)}")

    def stop(self, process: subprocess.Popen) -> None:
        _stop(process)
        self.processes = [(n, p) for n, p in self.processes if p is not process]

    def stop_all(self) -> None:
        for _name, process in reversed(self.processes):
            _stop(process)
        self.processes.clear()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def gunicorn_argv(gunicorn: Path, app_spec: str, port: int) -> list[str]:
    """The server settings every measured application gets: gunicorn, 2 sync workers."""
    return [str(gunicorn), "--workers", str(WORKERS), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120",
            app_spec]


def venv_gunicorn() -> Path:
    return Path(sys.executable).with_name("gunicorn")


def beatdesk_env(database_url: str, workdir: Path, cache_seconds: int | None,
                 keys: str) -> dict:
    """Production settings, the database given, and comment rate limits out of the way (the
    benchmark's eight clients share one address, which the default limits would throttle).
    ``cache_seconds`` ``None`` leaves the public page cache at the application's default."""
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_CACHE_SECONDS"}
    if cache_seconds is not None:
        env["PUBLIC_CACHE_SECONDS"] = str(cache_seconds)
    return {**env, "BEATDESK_ENV": "production", "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-only-secret-" + "0" * 32, "ENCRYPTION_KEYS": keys,
            "COMMENT_RATE_LIMIT": "1000000 per minute",
            "COMMENT_POST_RATE_LIMIT": "1000000 per minute",
            "MEDIA_ROOT": str(workdir / "media"), "RELEASE_ROOT": str(workdir / "releases"),
            "ARCHIVE_KEY_FILE": str(workdir / "archive_signing_key.pem"),
            "PYTHONPATH": str(ROOT)}


def ensure_isso(log: Path) -> Path:
    """Isso 0.14.0 (and gunicorn) in ``bench/.isso-venv``, created on first use."""
    python = ISSO_VENV / "bin" / "python"
    marker = ISSO_VENV / f".isso-{ISSO_VERSION}-ready"
    if marker.exists():
        return ISSO_VENV
    with open(log, "ab") as out:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True,
                           stdout=out, stderr=out)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}",
                        "gunicorn"], check=True, stdout=out, stderr=out)
    marker.write_text(ISSO_VERSION + "\n")
    return ISSO_VENV


def isso_config(workdir: Path, port: int) -> Path:
    """A minimal Isso configuration: its own SQLite file, no moderation, no rate limit guard
    (the benchmark's clients share one address), no notifications."""
    path = workdir / "isso.cfg"
    path.write_text(f"""[general]
dbpath = {workdir / 'isso.db'}
host = http://127.0.0.1:{port}/
notify = stdout
log-file = {workdir / 'isso.log'}

[moderation]
enabled = false

[guard]
enabled = false

[server]
listen = http://127.0.0.1:{port}/
""")
    return path


def isso_argv(venv: Path, port: int) -> list[str]:
    return [str(venv / "bin" / "gunicorn"), "--workers", str(WORKERS), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--preload",
            "isso.run:application"]
