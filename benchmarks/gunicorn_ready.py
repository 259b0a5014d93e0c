"""gunicorn settings for the load test: each worker leaves a file named by its pid once its app is built, so the
users start when every worker can take connections (keep-alive sessions opened while some worker is still booting
all stay on the ones that were ready)."""

import os
from pathlib import Path


def post_worker_init(worker) -> None:
    folder = os.environ.get("TSUR_BENCH_READY_DIR")
    if folder:
        (Path(folder) / str(worker.pid)).touch()
