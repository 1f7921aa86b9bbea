"""Import batches (0013): each `import-issues` run, and what an `--update` run changed, so it can be undone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import Base


class ImportBatch(Base):
    """One import of a file: where it came from, what it did, and when (if ever) it was undone."""

    __tablename__ = "import_batches"
    __table_args__ = (CheckConstraint("source IS NULL OR source ~ '^[A-Za-z0-9_.:-]{1,80}$'", name="source"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str | None] = mapped_column(String(80))
    id_column: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inserted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undo_forced: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class ImportBatchUpdate(Base):
    """An issue an `--update` batch changed, with its columns before the change (JSON of the row)."""

    __tablename__ = "import_batch_updates"

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True, index=True)
    before: Mapped[dict[str, Any]] = mapped_column(JSONB)
