from .attachments import Attachment, EvidenceSource
from .audit import AuditChainHead, AuditEvent
from .jobs import JobRun

__all__ = ["Attachment", "EvidenceSource", "AuditChainHead", "AuditEvent", "JobRun"]
