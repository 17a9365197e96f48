"""The pure layers (matching/, extraction/, verdicts.py, interchange.py, markdown.py) import neither Flask nor
SQLAlchemy, nor any impure part of claimtrack, whether the import is relative or absolute."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "claimtrack"
PURE = [PACKAGE / "verdicts.py", PACKAGE / "interchange.py", PACKAGE / "markdown.py", *sorted((PACKAGE / "matching").rglob("*.py")),
        *sorted((PACKAGE / "extraction").rglob("*.py"))]
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug")
# What a pure module may import from claimtrack: the other pure modules (claimtrack/__init__ builds the Flask app).
PURE_PARTS = ("verdicts", "interchange", "matching", "extraction", "markdown")


def package_of(path: Path) -> str:
    """The dotted package a file of claimtrack/ belongs to ("claimtrack.matching" for matching/tokens.py)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts if path.name == "__init__.py" else parts[:-1]).removesuffix(".__init__")


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """The full dotted name of everything a file imports (``from a import b`` gives "a.b", since b may be a
    module), relative imports resolved against ``package`` (by default the file's own in claimtrack/)."""
    package = package if package is not None else package_of(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def impure_imports(path: Path, package: str | None = None) -> list[str]:
    """The imports of a file that break purity: a framework, or a part of claimtrack that is not pure."""
    found = []
    for name in sorted(imported_modules(path, package)):
        parts = name.split(".")
        if parts[0] in FORBIDDEN:
            found.append(name)
        elif parts[0] == "claimtrack" and (len(parts) < 2 or parts[1] not in PURE_PARTS):
            found.append(name)
    return found


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_module_imports_no_framework(path):
    assert impure_imports(path) == [], f"{path.relative_to(PACKAGE)} imports {impure_imports(path)}"


@pytest.mark.parametrize("source", [
    "import os\nfrom flask import current_app\n",
    "import claimtrack.db\n",
    "from claimtrack import db\n",
    "from claimtrack.services.accounts import authenticate\n",
    "import sqlalchemy.orm as orm\n",
    "from .. import db\n",
    "from ..search_index import match_text\n",
    "import claimtrack\n",
])
def test_the_checker_catches_a_planted_impure_import(tmp_path, source):
    """A module planted in matching/ with one impure import, relative or absolute, fails the same check."""
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    assert impure_imports(planted, package="claimtrack.matching"), source


def test_the_checker_lets_pure_imports_through(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("import re\nfrom . import tokens\nfrom .tokens import normalise\nfrom ..verdicts import "
                       "VerdictScale\nfrom claimtrack.extraction import sentences\nimport claimtrack.markdown\n")
    assert impure_imports(planted, package="claimtrack.matching") == []
    assert "claimtrack.matching.tokens" in imported_modules(planted, package="claimtrack.matching")
