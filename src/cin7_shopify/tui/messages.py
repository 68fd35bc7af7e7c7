from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from cin7_shopify.overview import StoreOverview


@dataclass
class OverviewProgress(Message):
    step: str
    done: int
    total: int


@dataclass
class OverviewLoaded(Message):
    overview: StoreOverview


@dataclass
class OverviewFailed(Message):
    explanation: str
