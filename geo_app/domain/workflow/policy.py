"""The deployment's workflow rules that people may switch: snap distance, separation of duties, 回访 before closing.

The running app builds a policy from its settings and passes it to every action; the demo loader and the
importers replay history recorded before these rules with HISTORY, which enforces none of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkflowPolicy:
    snap_max_m: float = 60.0
    separate_verifier: bool = True  # whoever resolved an issue does not verify it (验收 by someone else)
    follow_up_before_close: bool = False  # closing needs a 回访 record
    done_needs_note: bool = True  # a department says what it did when it marks a dispatch done
    extension_needs_approval: bool = True  # a chief cannot move an overdue issue's date: 延期申请 instead


DEFAULT = WorkflowPolicy()
HISTORY = WorkflowPolicy(
    separate_verifier=False, follow_up_before_close=False, done_needs_note=False, extension_needs_approval=False
)
