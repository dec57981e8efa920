"""What in a PDF a viewer would run, open or fetch on its own: found before a PDF is kept as evidence.

Uploaded PDFs are stored byte for byte (evidence is not rewritten), so a PDF that carries anything
active is REFUSED, never cleaned. `inspect_pdf` opens the file with qpdf (pikepdf), which reads
compressed cross-reference tables and object streams and repairs a damaged table the way viewers do,
then visits every object in the file once, whether referenced or not, so indirect references, cycles
and objects hidden in object streams are all covered; names are compared after qpdf has decoded
`#xx` escapes, so `/J#61vaScript` is `/JavaScript`.

Refused wherever it appears (document, page, annotation, form field, action chain via `/Next`):
- JavaScript: a `/JS` entry, an action of type JavaScript, a `/JavaScript` name tree;
- actions that leave the document or act on their own: Launch, SubmitForm, ImportData, GoToR, GoToE,
  GoToDp, Rendition, Sound, Movie, RichMediaExecute, GoTo3DView; and every `/AA` (additional,
  i.e. automatic, actions) entry;
- embedded files: an `/EmbeddedFiles` name tree, a file specification with `/EF`, an EmbeddedFile stream;
- file-attachment annotations; RichMedia, 3D, Sound, Movie and Screen annotations and their content;
- XFA forms.
Allowed: internal navigation (GoTo, Named, Thread actions, destinations) and web links: URI actions
whose address is http, https or mailto (any other scheme, e.g. `javascript:` or `file:`, is refused).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

# Action types that run code, open or fetch something outside the document, or play media.
REFUSED_ACTIONS = frozenset({
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/GoToDp", "/Rendition",
    "/Sound", "/Movie", "/RichMediaExecute", "/GoTo3DView",
})
MULTIMEDIA_ANNOTATIONS = frozenset({"/RichMedia", "/3D", "/Sound", "/Movie", "/Screen"})
MULTIMEDIA_KEYS = frozenset({"/RichMediaContent", "/RichMediaSettings", "/3DD"})
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
# Past this many objects a file is refused as too complex rather than walked for seconds.
MAX_OBJECTS = 400_000

# Finding kinds, in the order they are reported.
JAVASCRIPT = "javascript"
ACTION = "action"
AUTOMATIC_ACTION = "automatic_action"
EMBEDDED_FILE = "embedded_file"
FILE_ATTACHMENT = "file_attachment"
MULTIMEDIA = "multimedia"
XFA = "xfa"
UNSAFE_LINK = "unsafe_link"
KINDS = (JAVASCRIPT, ACTION, AUTOMATIC_ACTION, EMBEDDED_FILE, FILE_ATTACHMENT, MULTIMEDIA, XFA, UNSAFE_LINK)


class PdfUnreadable(Exception):
    """Not a PDF qpdf can open, or one without pages, or too complex to inspect."""


class PdfEncrypted(Exception):
    pass


@dataclass
class PdfInspection:
    pages: int
    found: dict[str, set[str]] = field(default_factory=dict)  # kind -> what exactly (e.g. action types)

    @property
    def safe(self) -> bool:
        return not self.found

    def kinds(self) -> list[str]:
        return [kind for kind in KINDS if kind in self.found]


def inspect_pdf(data: bytes) -> PdfInspection:
    """Open `data` and list every active or embedded thing in it (see the module's docstring)."""
    # Imported when a PDF arrives, not by every process that imports the attachments module.
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfEncrypted from exc
    except Exception as exc:  # qpdf raises several kinds on a broken file; each means unreadable
        raise PdfUnreadable(str(exc)) from exc
    with pdf:
        if pdf.is_encrypted:
            raise PdfEncrypted
        try:
            pages = len(pdf.pages)
            objects = pdf.objects
            if len(objects) > MAX_OBJECTS:
                raise PdfUnreadable(f"{len(objects)} objects")
            inspection = PdfInspection(pages=pages)
            _Walker(inspection).walk([pdf.trailer, *objects])
        except PdfUnreadable:
            raise
        except Exception as exc:
            raise PdfUnreadable(str(exc)) from exc
    if pages < 1:
        raise PdfUnreadable("no pages")
    return inspection


class _Walker:
    def __init__(self, inspection: PdfInspection) -> None:
        import pikepdf

        self.inspection = inspection
        self.pikepdf = pikepdf

    def found(self, kind: str, what: str) -> None:
        self.inspection.found.setdefault(kind, set()).add(what)

    def walk(self, roots: list) -> None:
        """Visit each root and the direct objects nested in it. Indirect objects met on the way are
        not followed: every one of them is a root already, so each object is seen once and a cycle
        cannot loop."""
        pikepdf = self.pikepdf
        stack = list(roots)
        while stack:
            obj = stack.pop()
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                self.dictionary(obj)
                children = (obj.get(key) for key in obj.keys())  # noqa: SIM118 (a Stream iterates otherwise)
            elif isinstance(obj, pikepdf.Array):
                children = iter(obj)
            else:
                continue
            for child in children:
                if isinstance(child, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array) and not child.is_indirect:
                    stack.append(child)

    def dictionary(self, obj) -> None:
        pikepdf = self.pikepdf
        keys = set(obj.keys())
        if "/JS" in keys:
            self.found(JAVASCRIPT, "/JS")
        if "/AA" in keys:
            self.found(AUTOMATIC_ACTION, "/AA")
        if "/XFA" in keys:
            self.found(XFA, "/XFA")
        if "/EF" in keys:
            self.found(EMBEDDED_FILE, "/EF")
        if keys & MULTIMEDIA_KEYS:
            self.found(MULTIMEDIA, ", ".join(sorted(keys & MULTIMEDIA_KEYS)))
        if "/JavaScript" in keys and "/S" not in keys:
            self.found(JAVASCRIPT, "/Names /JavaScript")
        if "/EmbeddedFiles" in keys:
            self.found(EMBEDDED_FILE, "/Names /EmbeddedFiles")
        kind = self.name(obj.get("/Type"))
        if kind == "/EmbeddedFile":
            self.found(EMBEDDED_FILE, "/EmbeddedFile")
        if "/S" in keys:
            action = self.name(obj.get("/S"))
            if action in REFUSED_ACTIONS:
                self.found(JAVASCRIPT if action == "/JavaScript" else ACTION, action)
            elif action == "/URI":
                address = obj.get("/URI")
                text = str(address).strip().lower() if isinstance(address, pikepdf.String) else ""
                if not text.startswith(SAFE_URI_SCHEMES):
                    self.found(UNSAFE_LINK, text.split(":", 1)[0][:20] + ":" if ":" in text else "/URI")
        if "/Subtype" in keys:
            subtype = self.name(obj.get("/Subtype"))
            if subtype == "/FileAttachment":
                self.found(FILE_ATTACHMENT, subtype)
            elif subtype in MULTIMEDIA_ANNOTATIONS and kind in (None, "/Annot"):
                self.found(MULTIMEDIA, subtype)
        if kind == "/Catalog" and "/OpenAction" in keys:
            action = obj.get("/OpenAction")
            # An open action that only shows a page is navigation; any other action is found by
            # the walk (the action dictionary is visited like every other object).
            if isinstance(action, pikepdf.Dictionary) and self.name(action.get("/S")) not in (None, "/GoTo"):
                self.found(AUTOMATIC_ACTION, "/OpenAction")

    def name(self, value) -> str | None:
        return str(value) if isinstance(value, self.pikepdf.Name) else None
