"""Blueprints: thin request parsing over domain functions. One module per audience or resource."""
from . import auth, home

BLUEPRINTS = [home.bp, auth.bp]
