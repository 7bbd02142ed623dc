"""`hub serve` start-up time to a healthy /api/v1/health on the embedded PostgreSQL.

cold: a new data directory (initdb, server start, migrations); warm: the same directory again.
Usage: python bench/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from _hub import start_hub, stop_hub


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)  # as root the embedded server runs as its own user
            env = {"HUB_DATA_DIR": str(Path(tmp) / "data"), "HUB_WORKERS": "2"}
            env.pop("DATABASE_URL", None)
            for bucket in (cold, warm):
                proc, _, seconds = start_hub({**env, "DATABASE_URL": ""}, cwd=Path(tmp))
                bucket.append(seconds)
                stop_hub(proc)
    print("hub serve -> healthy /api/v1/health, embedded PostgreSQL")
    print(f"  cold (new data dir): median {statistics.median(cold):.2f} s  runs {', '.join(f'{s:.2f}' for s in cold)}")
    print(f"  warm (same data dir): median {statistics.median(warm):.2f} s  runs {', '.join(f'{s:.2f}' for s in warm)}")


if __name__ == "__main__":
    main()
