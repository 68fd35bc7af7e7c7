"""The weekly digest as Markdown, JSON, or one self-contained HTML file for a client email.

The HTML loads nothing: inline CSS and small inline SVG bar charts, no scripts, fonts or images,
so it reads the same offline and in mail clients that block remote content. Every string that came
from Shopify, Cin7 Core or the journal is escaped (`reports.escape`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from cin7_shopify.reports.digest import Digest, StoreDigest
from cin7_shopify.reports.escape import esc, md

TREND = {"up": "↑ up", "down": "↓ down", "same": "= same", "new": "new", "none": "–"}
HELD_LISTED = 20  # the oldest ones; the rest are counted


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def digest_json(digest: Digest) -> str:
    return json.dumps(digest.to_json(), indent=2, ensure_ascii=False) + "\n"


# -- Markdown -----------------------------------------------------------------------------------


def digest_markdown(digest: Digest) -> str:
    lines = [f"# Sync digest: {_day(digest.since)} to {_day(digest.until)}", ""]
    for store in digest.stores:
        lines += _store_markdown(store, digest)
    return "\n".join(lines).rstrip() + "\n"


def _store_markdown(s: StoreDigest, digest: Digest) -> list[str]:
    out = [f"## {md(s.title)} ({md(s.store)})", ""]
    out += [f"### Held orders: {len(s.held)}", ""]
    if s.held:
        out += ["| age | orders |", "|---|---:|"]
        out += [f"| {label} | {count} |" for label, count in s.held_by_age.items()]
        out += ["", "| order | placed | days | why |", "|---|---|---:|---|"]
        for h in s.held[:HELD_LISTED]:
            out.append(f"| {md(h.order)} | {md(h.placed or '?')} | {h.age_days:g} | {md(', '.join(h.reasons))} |")
        if len(s.held) > HELD_LISTED:
            out.append(f"| … and {len(s.held) - HELD_LISTED} more | | | |")
    else:
        out.append("None.")
    out += [
        "",
        f"### Errors: {s.errors_this_period} this period, {s.errors_period_before} the period before",
        "",
    ]
    if s.errors:
        out += ["| kind | this period | before | trend | still open |", "|---|---:|---:|---|---:|"]
        out += [
            f"| {md(e.kind)} | {e.this_period} | {e.period_before} | {TREND[e.trend]} | {e.still_open} |"
            for e in s.errors
        ]
    else:
        out.append("None.")
    out += ["", "### Stock", "", _drift_text(s)]
    if s.pushes:
        units = sum(p.units for p in s.pushes)
        out.append(
            f"{len(s.pushes)} push(es) in the period changed {sum(p.levels for p in s.pushes)} levels ({units} units):"
        )
        out += ["", "| pushed | levels | units |", "|---|---:|---:|"]
        out += [f"| {p.time} | {p.levels} | {p.units} |" for p in s.pushes]
    else:
        out.append("No stock push changed anything in the period.")
    out += ["", "### API calls", "", *_calls_lines(s)]
    out += ["", f"### Credit notes still to raise: {len(s.credit_notes)}", ""]
    if s.credit_notes:
        out += ["| order | since | what |", "|---|---|---|"]
        out += [f"| {md(c.order)} | {md(c.since)} | {md(c.message)} |" for c in s.credit_notes]
    else:
        out.append("None.")
    out += ["", "### Shopify API version", ""]
    if s.api_version is not None:
        out.append(md(s.api_version.explain()) + (f" {md(s.api_version.fix)}" if s.api_version.fix else ""))
    out += ["", "### Credentials", ""]
    out += [f"- **{md(c.what)}**: {md(c.expiry)}" for c in s.credentials]
    return [*out, ""]


def _drift_text(s: StoreDigest) -> str:
    d = s.stock_drift
    if not d:
        return "No stock push recorded yet."
    text = (
        f"Last push ({d.get('time', '?')}): {d.get('differed', 0)} of {d.get('tracked', 0)} tracked levels differed "
        f"from Cin7 Core by {d.get('units', 0)} units in all"
    )
    if d.get("to_zero"):
        text += f", {d['to_zero']} going to zero"
    text += f"; {d.get('applied', 0)} updated"
    if d.get("failed"):
        text += f", {d['failed']} not updated"
    return text + "."


def _calls_lines(s: StoreDigest) -> list[str]:
    c = s.calls
    if not c.days_recorded:
        return ["No calls recorded in the period."]
    share = f" ({c.cin7 / c.cin7_budget:.1%} of the account's {c.cin7_budget:,} allowed)" if c.cin7_budget else ""
    return [
        f"- Cin7 Core: {c.cin7:,} calls{share}. The limit is per Cin7 account, shared by its stores.",
        f"- Shopify: {c.shopify:,} calls, {c.shopify_throttled} waits for the query-cost budget to refill.",
        f"- Recorded on {c.days_recorded} day{'s' if c.days_recorded != 1 else ''} of the period.",
    ]


# -- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2933;max-width:760px;margin:24px auto;
padding:0 16px;line-height:1.45}
h1{font-size:22px;margin-bottom:4px}
h2{font-size:18px;border-bottom:2px solid #d9e2ec;padding-bottom:4px;margin-top:32px}
h3{font-size:15px;margin:20px 0 6px}table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 6px;text-align:left}td.n,th.n{text-align:right}
.muted{color:#616e7c;font-size:13px}.blocker{color:#b91c1c;font-weight:bold}.warning{color:#b45309}
svg text{font-family:inherit;font-size:11px;fill:#1f2933}
"""


def digest_html(digest: Digest) -> str:
    title = f"Sync digest: {_day(digest.since)} to {_day(digest.until)}"
    body = [f"<h1>{esc(title)}</h1>", f"<p class='muted'>{len(digest.stores)} store(s).</p>"]
    for store in digest.stores:
        body += _store_html(store)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _table(headers: list[str], rows: list[list[str]], numeric: Collection[int] = ()) -> str:
    """Cells must be escaped already."""
    head = "".join(f"<th{' class=n' if i in numeric else ''}>{h}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def bar_chart(bars: list[tuple[str, list[int]]], series: list[tuple[str, str]], *, label: str, width: int = 560) -> str:
    """Horizontal bars, one group per label and one bar per series (name, colour), as inline SVG."""
    bar_h, gap, label_w = 12, 8, 190
    longest = max((v for _, values in bars for v in values), default=0) or 1
    per_group = bar_h * len(series) + gap
    height = per_group * len(bars) + 24
    # Inline in HTML5: no namespace needed. The label is what a screen reader says of the chart.
    parts = [f"<svg width='{width}' height='{height}' role='img' aria-label='{esc(label)}'>"]
    for index, (label, values) in enumerate(bars):
        top = index * per_group
        parts.append(f"<text x='0' y='{top + bar_h * len(series) / 2 + 4:.0f}'>{esc(label[:30])}</text>")
        for k, value in enumerate(values):
            length = (width - label_w - 40) * value / longest
            y = top + k * bar_h
            parts.append(
                f"<rect x='{label_w}' y='{y}' width='{length:.1f}' height='{bar_h - 2}' fill='{series[k][1]}'/>"
                f"<text x='{label_w + length + 4:.1f}' y='{y + bar_h - 3}'>{value}</text>"
            )
    legend_y = per_group * len(bars) + 14
    for k, (name, colour) in enumerate(series):
        x = label_w + k * 140
        parts.append(
            f"<rect x='{x}' y='{legend_y - 9}' width='10' height='10' fill='{colour}'/>"
            f"<text x='{x + 14}' y='{legend_y}'>{esc(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _store_html(s: StoreDigest) -> list[str]:
    out = [f"<h2>{esc(s.title)} <span class='muted'>({esc(s.store)})</span></h2>"]
    out.append(f"<h3>Held orders: {len(s.held)}</h3>")
    if s.held:
        out.append(
            bar_chart(
                [(label, [n]) for label, n in s.held_by_age.items()],
                [("held orders", "#d97706")],
                label="Held orders by age",
            )
        )
        rows = [
            [esc(h.order), esc(h.placed or "?"), f"{h.age_days:g}", esc(", ".join(h.reasons))]
            for h in s.held[:HELD_LISTED]
        ]
        out.append(_table(["order", "placed", "days", "why"], rows, {2}))
        if len(s.held) > HELD_LISTED:
            out.append(f"<p class='muted'>… and {len(s.held) - HELD_LISTED} more.</p>")
    else:
        out.append("<p>None.</p>")
    out.append(f"<h3>Errors: {s.errors_this_period} this period, {s.errors_period_before} the period before</h3>")
    if s.errors:
        out.append(
            bar_chart(
                [(e.kind, [e.this_period, e.period_before]) for e in s.errors],
                [("this period", "#2563eb"), ("period before", "#9aa5b1")],
                label="Errors by kind, this period and the period before",
            )
        )
        rows = [
            [esc(e.kind), str(e.this_period), str(e.period_before), esc(TREND[e.trend]), str(e.still_open)]
            for e in s.errors
        ]
        out.append(_table(["kind", "this period", "before", "trend", "still open"], rows, {1, 2, 4}))
    else:
        out.append("<p>None.</p>")
    out += ["<h3>Stock</h3>", f"<p>{esc(_drift_text(s))}</p>"]
    if s.pushes:
        rows = [[esc(p.time), str(p.levels), str(p.units)] for p in s.pushes]
        out.append(_table(["pushed", "levels", "units"], rows, {1, 2}))
    else:
        out.append("<p>No stock push changed anything in the period.</p>")
    out.append(
        "<h3>API calls</h3><ul>" + "".join(f"<li>{esc(line.lstrip('- '))}</li>" for line in _calls_lines(s)) + "</ul>"
    )
    out.append(f"<h3>Credit notes still to raise: {len(s.credit_notes)}</h3>")
    if s.credit_notes:
        rows = [[esc(c.order), esc(c.since), esc(c.message)] for c in s.credit_notes]
        out.append(_table(["order", "since", "what"], rows))
    else:
        out.append("<p>None.</p>")
    if s.api_version is not None:
        level = s.api_version.severity
        css = f" class='{level}'" if level in {"blocker", "warning"} else ""
        fix = f" {esc(s.api_version.fix)}" if s.api_version.fix else ""
        out.append(f"<h3>Shopify API version</h3><p{css}>{esc(s.api_version.explain())}{fix}</p>")
    out.append(
        "<h3>Credentials</h3><ul>"
        + "".join(f"<li><b>{esc(c.what)}</b>: {esc(c.expiry)}</li>" for c in s.credentials)
        + "</ul>"
    )
    return out
