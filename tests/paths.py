"""Where the project's files are: importable with nothing but the standard library (tests/plain)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
CORPUS = ROOT.parent / "shared" / "specs-corpus"
