"""Shared by the benchmarks: start a `hub serve` process and wait until it is healthy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_hub(env: dict[str, str], *, cwd: Path, port: int | None = None, timeout: float = 120) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start `hub serve`; returns (process, base url, seconds until /api/v1/health said 200)."""
    port = port or free_port()
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_PORT": str(port), "HUB_LOG_LEVEL": "WARNING", **env}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve"], env=full_env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"hub exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=1) as response:
                if response.status == 200:
                    return proc, base, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("hub did not become healthy in time")


def stop_hub(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
