"""The XML form of GeoReport v2 documents: the same dicts as the JSON, under the spec's element names."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

# root element and the element of each list item, per document kind
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _add(parent: ET.Element, key: str, value: object) -> None:
    if isinstance(value, list):
        holder = ET.SubElement(parent, key)
        item_tag = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}.get(
            key, key.rstrip("s")
        )
        for item in value:
            if isinstance(item, dict):
                _fill(ET.SubElement(holder, item_tag), item)
            else:
                ET.SubElement(holder, item_tag).text = _text(item)
    elif isinstance(value, dict):
        _fill(ET.SubElement(parent, key), value)
    else:
        ET.SubElement(parent, key).text = _text(value)


def _fill(element: ET.Element, data: dict[str, Any]) -> ET.Element:
    for key, value in data.items():
        _add(element, key, value)
    return element


def _serialise(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def list_document(kind: str, items: list[dict[str, Any]]) -> str:
    """Return a list document (services, requests, errors) as XML text."""
    root_tag, item_tag = ROOTS[kind]
    root = ET.Element(root_tag)
    for item in items:
        _fill(ET.SubElement(root, item_tag), item)
    return _serialise(root)


def object_document(root_tag: str, data: dict[str, Any]) -> str:
    """Return one object (service_definition, discovery) as XML text."""
    return _serialise(_fill(ET.Element(root_tag), data))
