"""The pure layers (matching/, extraction/, verdicts.py, interchange.py) import neither Flask nor SQLAlchemy."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "claimtrack"
PURE = [PACKAGE / "verdicts.py", PACKAGE / "interchange.py", PACKAGE / "markdown.py", *sorted((PACKAGE / "matching").rglob("*.py")),
        *sorted((PACKAGE / "extraction").rglob("*.py"))]
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug")


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports, relative imports resolved within the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif node.level > 0:
                names.add("claimtrack." + (node.module or ""))
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_module_imports_no_framework(path):
    names = imported_modules(path)
    assert not (names & set(FORBIDDEN)), f"{path.name} imports {names & set(FORBIDDEN)}"
    # A relative import may only reach other pure modules.
    for name in names:
        if name.startswith("claimtrack."):
            target = name.split(".", 1)[1].split(".")[0]
            assert target in ("", "verdicts", "interchange", "matching", "extraction", "markdown"), \
                f"{path.name} imports {name}"


def test_the_walker_catches_a_flask_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom flask import current_app\n")
    assert "flask" in imported_modules(bad)
