"""Issues, their append-only event log, and dispatches to departments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import METRIC_SRID, Base, metric
from geo_app.vocab import OPEN_STATUSES, RESOLUTIONS, SOLVED_STATUSES, STATUSES, sql_in

DESCRIPTION_MAX = 4000


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (
        CheckConstraint(sql_in("status", STATUSES), name="status"),
        CheckConstraint(f"resolution IS NULL OR {sql_in('resolution', RESOLUTIONS)}", name="resolution"),
        CheckConstraint(
            f"NOT {sql_in('status', SOLVED_STATUSES)} OR resolution IS NOT NULL", name="solved_has_resolution"
        ),
        CheckConstraint("status <> 'duplicate' OR duplicate_of_id IS NOT NULL", name="duplicate_has_target"),
        CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        CheckConstraint(f"char_length(description) <= {DESCRIPTION_MAX}", name="description_length"),
        CheckConstraint(
            "NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name="geom_valid",
        ),  # 0007: no GEOS per row
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("(source IS NULL) = (source_id IS NULL)", name="source_pair"),  # 0013
        CheckConstraint(
            "reporter_email IS NULL OR reporter_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'", name="reporter_email_shape"
        ),
        Index("ix_issues_reported_at", "reported_at"),
        Index("ix_issues_reported_cover", "reported_at", postgresql_include=["geom", "status", "category"]),  # 0006
        Index("ix_issues_status_category", "status", "category"),
        Index("ux_issues_source", "source", "source_id", unique=True),  # 0013: a source's id, once
        Index("ix_issues_import_batch", "import_batch_id", postgresql_where=text("import_batch_id IS NOT NULL")),
        Index("ix_issues_unlinked", "id", postgresql_where=text("segment_id IS NULL")),  # 0009: the review queue
        # 0011: the open ones by time of report (the overdue issues that lead the work lists); 0020: with what
        # the walk filters on, so that it reads the index alone
        Index(
            "ix_issues_open_reported",
            "reported_at",
            "id",
            postgresql_include=["due_at", "status", "category", "team_id", "segment_id"],
            postgresql_where=text(f"status::text = ANY (ARRAY[{', '.join(map(repr, OPEN_STATUSES))}]::text[])"),
        ),
        Index("ix_issues_ref_pattern", "ref", postgresql_ops={"ref": "text_pattern_ops"}),  # 0016: search by prefix
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    geom_m: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=METRIC_SRID, spatial_index=True), Computed(metric(), persisted=True)
    )
    # NULL segment = unlinked: farther than SNAP_MAX_M from any segment; kept, never dropped.
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("street_segments.id"), index=True)
    snap_distance_m: Mapped[float | None] = mapped_column(Float)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # 0009: an unlinked issue is filed only with the clerk's reason, and waits with an owner until relocated
    unlinked_reason: Mapped[str | None] = mapped_column(Text)
    review_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fire_lane_id: Mapped[int | None] = mapped_column(ForeignKey("fire_lanes.id"), index=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"))  # 0012: a table, no longer a CHECK
    reporter_name: Mapped[str | None] = mapped_column(String(80))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    priority: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")  # 1 = most urgent
    status: Mapped[str] = mapped_column(String(20), default="reported", server_default="reported")
    resolution: Mapped[str | None] = mapped_column(String(20))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acceptance_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # 0013: where an imported row came from (its id in that system), and the batch that brought it in
    source: Mapped[str | None] = mapped_column(String(80))
    source_id: Mapped[str | None] = mapped_column(String(200))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # 0013: staff published the description and photos over Open311 (NULL: the deployment's default)
    public: Mapped[bool | None] = mapped_column(Boolean)
    media_url: Mapped[str | None] = mapped_column(String(1000))  # 0013: sent by an Open311 client


class IssueEvent(Base):
    """One change to an issue: who, when, what, from which state to which. Never updated or deleted."""

    __tablename__ = "issue_events"
    __table_args__ = (
        CheckConstraint(f"from_status IS NULL OR {sql_in('from_status', STATUSES)}", name="from_status"),
        CheckConstraint(f"to_status IS NULL OR {sql_in('to_status', STATUSES)}", name="to_status"),
        Index("ix_issue_events_issue_at", "issue_id", "at"),
        Index("ix_issue_events_to_status_at", "to_status", "at"),
        Index(  # 0011: the to-do counts
            "ix_issue_events_todo",
            "issue_id",
            postgresql_where=text(
                "action::text = ANY (ARRAY['escalate', 'request_extension', 'decide_extension']::text[])"
            ),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")


class Dispatch(Base):
    """街长吹哨: one department summoned to one issue, with its response times (部门报到)."""

    __tablename__ = "dispatches"
    __table_args__ = (
        CheckConstraint("acknowledged_at IS NULL OR acknowledged_at >= created_at", name="ack_after"),
        CheckConstraint(
            "arrived_at IS NULL OR (acknowledged_at IS NOT NULL AND arrived_at >= acknowledged_at)", name="arrive_after"
        ),
        CheckConstraint("done_at IS NULL OR (arrived_at IS NOT NULL AND done_at >= arrived_at)", name="done_after"),
        CheckConstraint("returned_at IS NULL OR done_at IS NULL", name="returned_not_done"),  # 0009
        CheckConstraint("returned_at IS NULL OR return_reason IS NOT NULL", name="returned_has_reason"),
        Index("ix_dispatches_returned", "issue_id", postgresql_where=text("returned_at IS NOT NULL")),  # 0011
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result_note: Mapped[str | None] = mapped_column(Text)  # 0009: what the department did
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 0009: 退单
    return_reason: Mapped[str | None] = mapped_column(Text)
