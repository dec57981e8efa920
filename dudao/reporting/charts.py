"""Bar charts as inline SVG, drawn here so pages and PDFs need no script and no chart library.

The markup is built from escaped text only; colours and sizes are ours.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "Noto Sans CJK SC, sans-serif"
BAR = "#2f6fb0"
SEVERITY_COLOURS = {"critical": "#b42318", "high": "#dc6803", "medium": "#2f6fb0", "low": "#98a2b3"}


def _label(text: str, limit: int = 12) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: list[tuple[str, float, str | None]], *, width: int = 520, bar_height: int = 20,
              label_width: int = 150, unit: str = "") -> SafeString:
    """Horizontal bars, one per `(label, value, colour or None)`, longest for the largest value."""
    rows = [(label, float(value or 0), colour) for label, value, colour in rows]
    if not rows:
        return mark_safe("")
    gap = 8
    top = 4
    height = top + len(rows) * (bar_height + gap)
    largest = max(value for _, value, _ in rows) or 1
    room = width - label_width - 56
    # Labels are right-aligned before the bars: as many 12 px CJK characters as fit, with room
    # to spare for the ellipsis and for fonts that draw slightly wider.
    limit = max(4, (label_width - 16) // 12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{FONT}" font-size="12">'
    ]
    for index, (label, value, colour) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = max(round(room * value / largest), 1 if value else 0)
        middle = y + bar_height / 2 + 4
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_width - 8}" y="{middle:.0f}" text-anchor="end" fill="#344054">'
            f"{escape(_label(label, limit))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" rx="2" '
            f'fill="{escape(colour or BAR)}"/>'
            f'<text x="{label_width + length + 6}" y="{middle:.0f}" fill="#101828">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def severity_chart(by_severity: list[dict]) -> SafeString:
    return bar_chart([(row["label"], row["count"], SEVERITY_COLOURS.get(row["severity"])) for row in by_severity])


def category_chart(by_category: list[dict]) -> SafeString:
    return bar_chart([(row["label"], row["count"], None) for row in by_category])
