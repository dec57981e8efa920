"""API for checklist templates (DESIGN.md section 5): `/api/v1/templates`."""


from ninja import File, Router, Status, UploadedFile
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import ApplicationError, ErrorCode

from . import selectors, services
from .choices import TemplateStatus
from .document import MAX_UPLOAD_BYTES, export_response, read_upload, template_detail, with_contents
from .models import Template
from .permissions import can_manage_templates
from .schemas import TemplateIn, TemplateListOut, TemplateOut, TemplatePut

router = Router(tags=["checklists"])

def _detail(template: Template) -> dict:
    return template_detail(with_contents(Template.objects.filter(pk=template.pk)).get())


def _readable(actor, template_id: int) -> Template:
    return get_for_actor(selectors.templates_for(actor), actor, template_id)


def _writable(actor, template_id: int) -> Template:
    return get_for_actor(Template, actor, template_id, action="manage")


@router.get("", response=list[TemplateListOut])
@paginate(Pagination)
def template_list(request, status: TemplateStatus | None = None, q: str | None = None):
    """Template versions the caller may read; drafts only for editors. Filters: `status`, `q` (name)."""
    return selectors.template_list(actor_of(request), status=status, q=q)


@router.post("", response={201: TemplateOut})
def template_create(request, payload: TemplateIn):
    """A new draft (version 1). Refusals: 422 with `detail.fields` keyed like `sections.0.items.3.options`."""
    template = services.template_create(actor=actor_of(request), **payload.dict())
    return Status(201, _detail(template))


@router.post("/import", response={201: TemplateOut})
def template_import(request, file: File[UploadedFile]):
    """A new draft from an uploaded `.json` (the create shape) or `.xlsx` workbook (one row per item)."""
    actor = actor_of(request)
    if not can_manage_templates(actor):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, "Not allowed")
    document = read_upload(file.name or "", file.read(MAX_UPLOAD_BYTES + 1))
    template = services.template_import(actor=actor, document=document, filename=file.name or "")
    return Status(201, _detail(template))


@router.get("/{template_id}", response=TemplateOut)
def template_get(request, template_id: int):
    """One version with its sections and items (with their ids)."""
    return _detail(_readable(actor_of(request), template_id))


@router.put("/{template_id}", response=TemplateOut)
def template_update(request, template_id: int, payload: TemplatePut):
    """Edit a draft; given `sections`, they replace the draft's sections and items. A published
    version answers 409: revise it into a new draft first."""
    actor = actor_of(request)
    template = _writable(actor, template_id)
    data = payload.dict(exclude_unset=True)
    services.template_update(actor=actor, template=template, **data)
    return _detail(template)


@router.post("/{template_id}/publish", response=TemplateOut)
def template_publish(request, template_id: int):
    """Freeze a draft; the lineage's previously published version is retired."""
    actor = actor_of(request)
    template = services.template_publish(actor=actor, template=_writable(actor, template_id))
    return _detail(template)


@router.post("/{template_id}/revise", response={200: TemplateOut, 201: TemplateOut})
def template_revise(request, template_id: int):
    """The lineage's draft to edit: 201 with a new version copied from this one, or 200 with the
    draft that already exists."""
    actor = actor_of(request)
    template = _writable(actor, template_id)
    existed = Template.objects.filter(lineage=template.lineage, status=TemplateStatus.DRAFT).exists()
    draft = services.template_revise(actor=actor, template=template)
    return Status(200 if existed else 201, _detail(draft))


@router.post("/{template_id}/retire", response=TemplateOut)
def template_retire(request, template_id: int):
    """Stop offering a published version for new inspections."""
    actor = actor_of(request)
    template = services.template_retire(actor=actor, template=_writable(actor, template_id))
    return _detail(template)


@router.get("/{template_id}/export")
def template_export(request, template_id: int, format: str = "json"):
    """The version as a file: `?format=json` (the create shape) or `?format=xlsx`."""
    template = _readable(actor_of(request), template_id)
    return export_response(template, format)
