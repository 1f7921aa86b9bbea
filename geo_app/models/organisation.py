"""Who does the work: categories, departments, street-chief teams and what they cover."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import Base
from geo_app.vocab import MEMBER_ROLES, sql_in

team_segments = Table(
    "team_segments",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("street_segments.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# 0012: the departments the whistle pre-selects for a category, in the order given
category_departments = Table(
    "category_departments",
    Base.metadata,
    Column("category_code", ForeignKey("categories.code", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, nullable=False, server_default="0"),
)


def _active() -> Mapped[bool]:
    # retired entries (false) stay for history: issues, members and events keep pointing at them
    return mapped_column(Boolean, default=True, server_default="true")


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("sla_days > 0", name="sla_positive"),
        CheckConstraint("service_type IN ('realtime', 'batch', 'blackbox')", name="service_type"),  # 0012
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    sla_days: Mapped[int] = mapped_column(Integer)
    blocks_access: Mapped[bool] = mapped_column(Boolean, default=False)
    # 0012: search and import mapping, Open311 (service_code defaults to code), retirement
    group_name: Mapped[str | None] = mapped_column(String(80))
    keywords: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    service_description: Mapped[str | None] = mapped_column(Text)
    service_keywords: Mapped[str | None] = mapped_column(Text)
    service_group: Mapped[str | None] = mapped_column(String(80))
    service_type: Mapped[str] = mapped_column(String(20), default="realtime", server_default="realtime")
    active: Mapped[bool] = _active()


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = _active()


class Channel(Base):
    """How an issue reached the district (0012: data, no longer a fixed list)."""

    __tablename__ = "channels"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    active: Mapped[bool] = _active()


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # the Chinese name (name_zh in files and the API)
    name_en: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = _active()
    community_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"))
    # A drawn coverage area; when NULL the area is derived from the team's segments.
    drawn_area: Mapped[WKBElement | None] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (CheckConstraint(sql_in("role", MEMBER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))


class OrgAudit(Base):
    """One change to the organisation (who, when, what, before and after); never updated or deleted."""

    __tablename__ = "org_audit"
    __table_args__ = (Index("ix_org_audit_kind_code", "kind", "code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
