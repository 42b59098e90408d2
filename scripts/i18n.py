"""Refresh the translation catalogs from the templates and code.

    .venv/bin/python scripts/i18n.py

Extracts every _() string, merges it into src/havre/web/locale/{en,fr}/LC_MESSAGES/messages.po
(new strings get an empty French translation for a person to fill in; tests fail until they do).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "src/havre/web/locale"
POT = ROOT / "build/messages.pot"


def main() -> int:
    POT.parent.mkdir(exist_ok=True)
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    # plural_forms(singular, plural) in templates: the forms of a count that a script re-renders.
    subprocess.run([*babel, "extract", "-F", str(ROOT / "babel.cfg"), "-k", "plural_forms:1,2", "--no-location",
                    "-o", str(POT), str(ROOT)], check=True, cwd=ROOT)
    for locale in ("en", "fr"):
        po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        action = "update" if po.exists() else "init"
        subprocess.run([*babel, action, "-i", str(POT), "-d", str(LOCALES), "-l", locale, "--no-wrap"]
                       + (["--ignore-obsolete", "--no-fuzzy-matching"] if action == "update" else []), check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
