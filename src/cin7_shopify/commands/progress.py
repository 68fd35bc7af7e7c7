"""Progress on stderr for long reads; silent when stderr is not a terminal (CI, pipes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cin7_shopify.audit.service import Step


@contextmanager
def step_progress(total: int, *, console: Console | None = None) -> Iterator[Step]:
    console = console or Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task("Starting", total=total)
        first = True

        def step(description: str) -> None:
            nonlocal first
            if not first:
                progress.advance(task)
            first = False
            progress.update(task, description=f"Reading {description}" if description != "comparing" else "Comparing")

        yield step
