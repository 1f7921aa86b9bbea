"""Photos of an issue (before / after), of a dispatch's result or a site visit: files on disk, facts here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import Base

PHOTO_STAGES = ("before", "after")


class Photo(Base):
    """One uploaded photo, re-encoded without its metadata; the file lives under the photo directory."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("stage IN ('before', 'after')", name="stage"),
        CheckConstraint("bytes > 0", name="bytes"),
        CheckConstraint("issue_id IS NOT NULL OR site_visit_id IS NOT NULL", name="owner"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    site_visit_id: Mapped[int | None] = mapped_column(ForeignKey("site_visits.id"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"))
    stage: Mapped[str] = mapped_column(String(10))
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    path: Mapped[str] = mapped_column(String(200))  # relative to the photo directory; never a client's name
    thumb_path: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
