"""Documents as PDF (WeasyPrint): one renderer for every app's printable pages."""

from __future__ import annotations

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    """`template` rendered with `context`, as PDF bytes. Only data: URLs are fetched (photos and
    charts are embedded in the page), so a document never reaches the network or the disk."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}, timeout=5)).write_pdf()
