"""Gettext catalogs (messages.pot and en/es/fr .po files), compiled with pybabel or at start."""

from pathlib import Path

LOCALES_DIR = Path(__file__).parent
