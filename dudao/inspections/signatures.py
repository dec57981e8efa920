"""The on-site signature (现场签字): which uploaded image may stand as an inspection's signature."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dudao.core.errors import validation_error
from dudao.core.models import Attachment

from .models import Inspection


def onsite_signature_image(actor, inspection: Inspection, attachment_id: int | None) -> Attachment | None:
    """The signature image given for the inspection: an image this actor uploaded in the inspection's
    organisation, not yet evidence of another object."""
    if attachment_id is None:
        return None
    signature = Attachment.objects.filter(
        pk=attachment_id, organization_id=inspection.organization_id, uploaded_by_id=actor.pk
    ).first()
    if signature is None:
        raise validation_error("onsite_signature_id", _("签字图片不存在"))
    if not signature.is_image:
        raise validation_error("onsite_signature_id", _("签字必须是图片"))
    if (signature.object_type or signature.object_id) and (
        signature.object_type, signature.object_id) != (inspection._meta.label_lower, str(inspection.pk)):
        raise validation_error("onsite_signature_id", _("该图片已关联到其他对象"))
    return signature
