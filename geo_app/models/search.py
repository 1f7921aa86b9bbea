"""Place names for the search box, with their pinyin keys (migration 0016)."""

from __future__ import annotations

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import Base


class SearchName(Base):
    """One distinct name of a street, compound, hall, area or water area; triggers add them, keys NULL."""

    __tablename__ = "search_names"
    __table_args__ = (Index("ix_search_names_pending", "name", postgresql_where=text("keys IS NULL")),)

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    # pinyin initials and spellings of every reading, space-separated (domain/maps/search_keys.py)
    keys: Mapped[str | None] = mapped_column(Text)
