from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import ActionStatus, MeetingStatus

MEETING = Workflow(
    subject=_("会议"),
    choices=MeetingStatus,
    event_prefix="meeting",
    editable_states=[MeetingStatus.PLANNED, MeetingStatus.HELD],
    transitions=[
        # Recording the minutes says the meeting took place; they may be corrected until it is closed.
        Transition("record_minutes", {MeetingStatus.PLANNED, MeetingStatus.HELD}, MeetingStatus.HELD,
                   label=_("记录会议纪要")),
        Transition("add_action", {MeetingStatus.PLANNED, MeetingStatus.HELD}, None, label=_("布置待办事项")),
        Transition("close", {MeetingStatus.HELD}, MeetingStatus.CLOSED, label=_("结束会议"),
                   refusal=_("会议当前状态为“%(status)s”，召开并记录纪要后才能结束")),
    ],
)

MEETING_ACTION = Workflow(
    subject=_("会议事项"),
    choices=ActionStatus,
    event_prefix="meeting_action",
    editable_states=[ActionStatus.OPEN],
    transitions=[
        Transition("complete", {ActionStatus.OPEN}, ActionStatus.DONE, label=_("标记完成"),
                   refusal=_("此事项已完成")),
    ],
)
