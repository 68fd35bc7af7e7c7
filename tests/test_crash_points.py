"""A fast subset of scripts/crash_points.py: a real `sync run` killed mid-write, restarted, compared.

The script kills every durable step of every write kind (figures in the README); here two of the
steps the hand-written copies got wrong: a fulfilment whose answer arrived but was not recorded, and
a credit note recorded as finished just before the process died. The fulfilment's kill is a process of
its own that dies with os._exit (as from kill -9: no finally, no flush); the credit note's dies in this
process at the same crash point (SimulatedCrash raised where os._exit is called: nothing after it runs,
as in test_sync_resilience). Every other pass runs in this process through `main(argv)`, against the
suite's served sandbox seeded afresh for each run of the story.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cin7_shopify.sandbox.session import open_sandbox
from cin7_shopify.state.crash import SimulatedCrash
from tests.conftest import DEMO, roomy_bucket, run_cli

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "crash_points.py"


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("crash_points", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_points"] = module
    spec.loader.exec_module(module)
    return module


def test_killed_after_a_fulfilment_or_a_credit_note_nothing_is_doubled_or_lost(
    _sandbox_server: tuple[str, Any], tmp_path: Path
) -> None:
    crash_points = load_script()
    base, combined = _sandbox_server

    def seed() -> None:  # as `sandbox serve` with the script's SERVE_LIMITS serves it, in a bucket never drained
        session = roomy_bucket(open_sandbox(DEMO, throttle_shape="503", cin7_calls_per_minute=10000))
        combined.cin7, combined.shopify = session.cin7, session.shopify

    def in_this_process(env: Mapping[str, str], args: list[str]) -> int:
        return run_cli(env, *args).returncode

    def killed_in_this_process(env: Mapping[str, str], args: list[str]) -> int:
        def die(code: int) -> None:
            raise SimulatedCrash(f"os._exit({code})")

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("os._exit", die)
            try:
                run_cli(env, *args)
            except SimulatedCrash:
                return 137
        raise AssertionError("the pass was to die at its crash point and finished")

    served, run_command = (base, seed), in_this_process
    clean = crash_points.play(tmp_path / "clean", served=served, run_command=run_command)
    pass_b = clean[1]["B"]
    after_fulfil = pass_b.index("after fulfil") + 1  # the answer is in, nothing recorded yet
    credit_recorded = pass_b.index("after credit_note") + 2  # the result on disk, the order not yet updated
    killed = crash_points.run(only=[("B", after_fulfil)], clean_run=clean, served=served, run_command=run_command)
    raised = crash_points.run(
        only=[("B", credit_recorded)],
        clean_run=clean,
        served=served,
        run_command=run_command,
        crash_command=killed_in_this_process,
    )
    assert (killed.trials, raised.trials) == (1, 1)
    assert killed.failures == [], killed.line()
    assert raised.failures == [], raised.line()
