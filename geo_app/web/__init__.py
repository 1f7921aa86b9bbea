"""Blueprints: thin request parsing over domain functions."""
