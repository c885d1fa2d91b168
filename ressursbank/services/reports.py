"""Charts and reports: the coverage heatmap and bar charts as inline SVG, the situation report, XLSX exports.

The SVG is generated here (no plotting library at request time): small, crisp when printed, readable by screen
readers (``role="img"`` with a title and a description, and every cell has its own ``<title>``). Colours are
paired with the number in each cell, so colour is never the only carrier of meaning.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ressursbank.domain import Assignment
from ressursbank.services.queries import GapLine, HeatRow, Snapshot

#: Coverage bands (lower bound in percent, fill, text colour); text on each fill has contrast >= 4.5:1.
BANDS: tuple[tuple[float, str, str], ...] = (
    (100.0, "#1b6e2d", "#ffffff"),
    (90.0, "#7dbf84", "#000000"),
    (75.0, "#f2c14e", "#000000"),
    (50.0, "#e8833a", "#000000"),
    (0.0, "#a4161a", "#ffffff"),
)
EMPTY_FILL = "#eef0f2"


def band(pct: float | None) -> tuple[str, str]:
    """Fill and text colour for a coverage percentage (None: nothing needed)."""
    if pct is None:
        return EMPTY_FILL, "#4a4a4a"
    for lower, fill, text in BANDS:
        if pct >= lower - 1e-9:
            return fill, text
    return BANDS[-1][1], BANDS[-1][2]


def heatmap_svg(rows: Sequence[HeatRow], *, title: str, description: str, lang: str, labels: dict[str, str]) -> str:
    """An accessible SVG heatmap: one row per sector or unit, one column per day, the percentage in each cell."""
    if not rows:
        msg = "Ingen kritiske behov i perioden." if lang == "nb" else "No critical needs in the period."
        return f'<p class="muted">{escape(msg)}</p>'
    days = [c.day for c in rows[0].cells]
    label_w, cell_w, cell_h, head_h = 220, 34, 26, 40
    width = label_w + cell_w * len(days) + 10
    height = head_h + cell_h * len(rows) + 10
    wd = ("ma", "ti", "on", "to", "fr", "lø", "sø") if lang == "nb" else ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
    out = [
        f'<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="hm-title hm-desc" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f'<title id="hm-title">{escape(title)}</title><desc id="hm-desc">{escape(description)}</desc>',
    ]
    for j, day in enumerate(days):
        x = label_w + j * cell_w + cell_w / 2
        weight = ' font-weight="700"' if day.weekday() >= 5 else ""
        out.append(f'<text x="{x:.0f}" y="16" text-anchor="middle"{weight}>{wd[day.weekday()]}</text>')
        out.append(f'<text x="{x:.0f}" y="31" text-anchor="middle">{day.day}.{day.month}</text>')
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        name = labels.get(row.key, row.label)
        short = name if len(name) <= 32 else name[:31] + "…"
        out.append(f'<text x="4" y="{y + cell_h / 2 + 4:.0f}">{escape(short)}<title>{escape(name)}</title></text>')
        for j, cell in enumerate(row.cells):
            x = label_w + j * cell_w
            fill, ink = band(cell.pct)
            text = "" if cell.pct is None else f"{cell.pct:.0f}"
            tip = f"{name} {cell.day.isoformat()}: " + (
                "–" if cell.pct is None else f"{cell.filled}/{cell.needed} ({cell.pct:.0f} %)"
            )
            out.append(
                f'<g><rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}">'
                f"<title>{escape(tip)}</title></rect>"
                f'<text x="{x + cell_w / 2:.0f}" y="{y + cell_h / 2 + 4:.0f}" text-anchor="middle" fill="{ink}">'
                f"{text}</text></g>"
            )
    out.append("</svg>")
    return "".join(out)


def bars_svg(items: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 520) -> str:
    """A horizontal bar chart with the value written at each bar."""
    if not items:
        return ""
    bar_h, label_w = 22, 240
    height = bar_h * len(items) + 8
    top = max(v for _, v in items) or 1.0
    out = [
        f'<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    span = width - label_w - 60
    for i, (label, value) in enumerate(items):
        y = 4 + i * bar_h
        w = max(1.0, span * value / top)
        short = label if len(label) <= 38 else label[:37] + "…"
        out.append(f'<text x="0" y="{y + 15}">{escape(short)}<title>{escape(label)}</title></text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="#0b4f8a"/>')
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{value:.0f}{escape(unit)}</text>')
    out.append("</svg>")
    return "".join(out)


def gap_bars(gaps: Iterable[GapLine], lang: str, top: int = 10) -> str:
    """Bars of the largest gaps (person-shifts) by requirement and area."""
    items = [(f"{g.requirement} – {g.area_name}", float(g.missing)) for g in list(gaps)[:top]]
    title = "Største udekte behov (personvakter)" if lang == "nb" else "Largest open gaps (person-shifts)"
    return bars_svg(items, title=title)


# --- XLSX ------------------------------------------------------------------------------------------------------
def _autosize(ws: object) -> None:
    for idx, column in enumerate(ws.columns, start=1):  # type: ignore[attr-defined]
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        ws.column_dimensions[get_column_letter(idx)].width = min(60, max(8, longest + 2))  # type: ignore[attr-defined]


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], first: bool) -> None:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"
    _autosize(ws)


def roster_xlsx(snapshot: Snapshot, *, unit_ids: Sequence[str] | None = None, lang: str = "nb") -> bytes:
    """Every assignment in the plan (optionally for some units) as an XLSX workbook, one row per shift."""
    units = snapshot.problem.unit_by_id
    emps = snapshot.problem.employee_by_id
    wanted = set(unit_ids) if unit_ids else None
    nb = lang == "nb"
    header = (
        ["Dato", "Start", "Slutt", "Enhet", "Ansatt-ID", "Navn", "Egen enhet", "Kvalifikasjon", "Utlånt"]
        if nb
        else ["Date", "Start", "End", "Unit", "Employee id", "Name", "Home unit", "Qualification", "On loan"]
    )

    def rows() -> Iterable[list[object]]:
        for a in snapshot.plan.assignments:
            if wanted is not None and a.unit_id not in wanted:
                continue
            emp = emps.get(a.employee_id)
            home = emp.home_unit_id if emp else ""
            yield [
                a.start.date(),
                a.start.strftime("%H:%M"),
                a.end.strftime("%H:%M"),
                units[a.unit_id].name if a.unit_id in units else a.unit_id,
                a.employee_id,
                emp.name if emp else "",
                units[home].name if home in units else home,
                a.qualification_used,
                ("ja" if nb else "yes") if home and home != a.unit_id else "",
            ]

    wb = Workbook()
    _sheet(wb, "Turnus" if nb else "Roster", header, rows(), True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def offers_xlsx(offers: Sequence[dict[str, object]], *, lang: str = "nb") -> bytes:
    """Offers (already reduced to what the reader may see) as an XLSX workbook."""
    nb = lang == "nb"
    keys = ["id", "employee_id", "employee_name", "host_unit", "start", "end", "status", "answered_at", "reason"]
    header = (
        ["ID", "Ansatt-ID", "Navn", "Vertsenhet", "Fra", "Til", "Status", "Svart", "Begrunnelse"]
        if nb
        else ["Id", "Employee id", "Name", "Host unit", "From", "To", "Status", "Answered", "Reason"]
    )
    wb = Workbook()
    _sheet(wb, "Tilbud" if nb else "Offers", header, ([o.get(k, "") for k in keys] for o in offers), True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def shifts_table(assignments: Sequence[Assignment]) -> list[tuple[dt.date, str, str, str]]:
    """(day, start, end, unit id) rows for printing."""
    return [(a.start.date(), a.start.strftime("%H:%M"), a.end.strftime("%H:%M"), a.unit_id) for a in assignments]
