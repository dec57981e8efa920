from .attachments import Attachment
from .audit import AuditChainHead, AuditEvent
from .jobs import JobRun

__all__ = ["Attachment", "AuditChainHead", "AuditEvent", "JobRun"]
