"""bench/appraisal.py runs (a tiny file and a five-person cycle on a throwaway SQLite database); its
timings are not judged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_kpi_import_benchmark_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["DUDAO_VAR_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "appraisal.py"), "--stores", "3", "--months", "1",
                             "--people", "5"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "status=applied rows=15 created=15" in result.stdout and "figures stored: 30" in result.stdout
    assert "cycle open" in result.stdout and "cycle compute" in result.stdout
    assert "appraisals: 5 computed, 5 scored, 1 forfeited" in result.stdout
