"""Every gettext catalogue of the project is complete: no empty msgstr, no fuzzy entry, valid format strings.

Uses GNU msgfmt (package gettext, which ``compilemessages`` needs anyway) in check mode; it also
catches a fuzzy header, which would make msgfmt drop the catalogue's plural rules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", "var", "node_modules", ".git"}
CATALOGUES = sorted(path for path in ROOT.rglob("*.po") if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts))


def test_catalogues_exist_for_german_and_french() -> None:
    # given the apps with their own catalogues
    languages = {path.relative_to(ROOT).parts[-3] for path in CATALOGUES}
    # then German and French are among them
    assert {"de", "fr"} <= languages


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_catalogue_is_fully_translated(catalogue: Path) -> None:
    # when msgfmt checks the catalogue
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)], capture_output=True, text=True, check=False
    )
    # then it is valid and every message is translated and none is fuzzy
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), (
        f"{catalogue.relative_to(ROOT)}: {statistics} - run makemessages, translate every msgstr and remove fuzzy flags"
    )
    assert "#, fuzzy" not in catalogue.read_text(), f"{catalogue.relative_to(ROOT)} has a fuzzy entry (or header)"
