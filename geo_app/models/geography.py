"""Where things are: administrative areas, street segments, halls, compounds, fire lanes."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo_app.models.base import METRIC_SRID, Base, metric
from geo_app.vocab import AREA_LEVELS, LANE_STATUSES, sql_in


def _name_en() -> Mapped[str | None]:
    return mapped_column(String(120))  # 0012: `name` is the Chinese name (name_zh in files and the API)


def _active() -> Mapped[bool]:
    return mapped_column(Boolean, default=True, server_default="true")  # 0012: retired ones stay for history


def _valid(name: str = "geom") -> CheckConstraint:
    return CheckConstraint(f"ST_IsValid({name}) AND NOT ST_IsEmpty({name})", name=f"{name}_valid")


class AdminArea(Base):
    __tablename__ = "admin_areas"
    __table_args__ = (CheckConstraint(sql_in("level", AREA_LEVELS), name="level"), _valid())

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = _name_en()
    active: Mapped[bool] = _active()
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"))
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class StreetSegment(Base):
    __tablename__ = "street_segments"
    __table_args__ = (
        _valid(),
        CheckConstraint("length_m > 0", name="length_positive"),
        # 0016: search joins names back to segments, and finds segment codes by prefix
        Index("ix_street_segments_street_name", "street_name"),
        Index("ix_street_segments_code_pattern", text("upper(code) text_pattern_ops")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    street_name: Mapped[str] = mapped_column(String(120))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))
    geom_m: Mapped[WKBElement] = mapped_column(
        Geometry("LINESTRING", srid=METRIC_SRID, spatial_index=True), Computed(metric(), persisted=True)
    )
    length_m: Mapped[float] = mapped_column(Float, Computed(f"ST_Length({metric()})", persisted=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReceptionHall(Base):
    __tablename__ = "reception_halls"
    __table_args__ = (_valid(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = _name_en()
    active: Mapped[bool] = _active()
    address: Mapped[str | None] = mapped_column(String(200))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class Compound(Base):
    __tablename__ = "compounds"
    __table_args__ = (_valid(), CheckConstraint("households >= 0 AND residents >= 0", name="people"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 0012
    name: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str | None] = _name_en()
    active: Mapped[bool] = _active()
    community_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"))
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class WaterArea(Base):
    """Rivers and lakes, drawn on the offline base map."""

    __tablename__ = "water_areas"
    __table_args__ = (_valid(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class FireLane(Base):
    __tablename__ = "fire_lanes"
    __table_args__ = (
        _valid(),
        CheckConstraint(sql_in("status", LANE_STATUSES), name="status"),
        CheckConstraint("households >= 0 AND residents >= 0", name="people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"))
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))
    geom_m: Mapped[WKBElement] = mapped_column(
        Geometry("LINESTRING", srid=METRIC_SRID, spatial_index=True), Computed(metric(), persisted=True)
    )


class FireLaneStatusEvent(Base):
    """Append-only history of a lane's status; "opened" is counted from it."""

    __tablename__ = "fire_lane_status_events"
    __table_args__ = (
        CheckConstraint(sql_in("from_status", LANE_STATUSES), name="from_status"),
        CheckConstraint(sql_in("to_status", LANE_STATUSES), name="to_status"),
        CheckConstraint("from_status <> to_status", name="changes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fire_lane_id: Mapped[int] = mapped_column(ForeignKey("fire_lanes.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
