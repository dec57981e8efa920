"""Post data as a browser would send the area form: every input the page rendered, unchanged."""

from __future__ import annotations

from dudao.policies.editing import ROW_MARK, Input, Table


def _control(control, data: list[tuple[str, str]]) -> None:
    if isinstance(control, Table):
        for token, cells in control.rows:
            data.append((f"{control.name}.{token}.{ROW_MARK}", "1"))
            for cell in cells:
                _control(cell, data)
        return
    assert isinstance(control, Input)
    if control.widget == "checkbox":
        if control.value:
            data.append((control.name, "on"))
    elif control.widget == "multi":
        data.extend((control.name, value) for value in control.value)
    else:
        data.append((control.name, str(control.value)))


def unchanged_post(response) -> dict[str, list[str]]:
    """The area form of an edit page posted as it was rendered."""
    pairs: list[tuple[str, str]] = [("effective_from", response.context["on"].isoformat()), ("note", "")]
    for field in response.context["fields"]:
        _control(field.control, pairs)
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data
