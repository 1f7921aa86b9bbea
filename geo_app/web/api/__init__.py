"""The JSON API of issues and reference lists, and its OpenAPI document."""
