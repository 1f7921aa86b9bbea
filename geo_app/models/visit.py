"""Reception-hall visits and on-site visits by secretaries and chiefs."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import Base


class Visit(Base):
    """One logged visit to a reception hall; `people` counts the residents (人次)."""

    __tablename__ = "visits"
    __table_args__ = (CheckConstraint("people BETWEEN 1 AND 500", name="people"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("reception_halls.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    people: Mapped[int] = mapped_column(Integer, default=1)
    topics: Mapped[str | None] = mapped_column(Text)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


site_visit_issues = Table(
    "site_visit_issues",
    Base.metadata,
    Column("site_visit_id", ForeignKey("site_visits.id", ondelete="CASCADE"), primary_key=True),
    Column("issue_id", ForeignKey("issues.id"), primary_key=True, index=True),
)


class SiteVisit(Base):
    """书记在现场: a secretary or chief at the place, settling issues there."""

    __tablename__ = "site_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    place: Mapped[str] = mapped_column(String(200))
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326))
