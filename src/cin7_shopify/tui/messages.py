"""Messages workers post to screens (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class Progress(Message):
    step: str
    done: int
    total: int


@dataclass
class Loaded(Message):
    what: str
    result: Any


@dataclass
class Failed(Message):
    what: str
    explanation: str
