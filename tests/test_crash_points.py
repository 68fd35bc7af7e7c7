"""A fast subset of scripts/crash_points.py: a real `sync run` killed mid-write, restarted, compared.

The script kills every durable step of every write kind (figures in the README); here two of the
steps the hand-written copies got wrong: a fulfilment whose answer arrived but was not recorded, and
a credit note recorded as finished just before the process died.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "crash_points.py"


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("crash_points", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_points"] = module
    spec.loader.exec_module(module)
    return module


def test_killed_after_a_fulfilment_or_a_credit_note_nothing_is_doubled_or_lost() -> None:
    crash_points = load_script()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        clean = crash_points.play(Path(folder))
    pass_b = clean[1]["B"]
    after_fulfil = pass_b.index("after fulfil") + 1  # the answer is in, nothing recorded yet
    credit_recorded = pass_b.index("after credit_note") + 2  # the result on disk, the order not yet updated
    figures = crash_points.run(only=[("B", after_fulfil), ("B", credit_recorded)], clean_run=clean)
    assert figures.trials == 2
    assert figures.failures == [], figures.line()
