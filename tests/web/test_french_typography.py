"""French typography in the French catalog (and the French words pages and scripts carry): the
typographic apostrophe, and a narrow no-break space (U+202F) before ; ! ? : and a percent sign and
inside « »."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FR = ROOT / "src/havre/web/locale/fr/LC_MESSAGES/messages.po"
NNBSP = "\u202f"
# %(name)s and its kin, and "%%", are format codes, not a percent sign or a colon.
FORMAT_CODE = re.compile(r"%\([A-Za-z_]\w*\)[sdrif]|%[sdrif]")
URL = re.compile(r"\b[a-z]+://\S+|\b\d{1,2}:\d{2}\b")  # "https://…", "12:08": no space there
# A sign that needs the narrow no-break space before it, and what stands before it.
SIGN = re.compile(r"(.)?([;!?:%]|»)")


def typography_faults(text: str) -> list[str]:
    """What is wrong with one French text, each fault with a little of its context."""
    faults = []
    if "'" in text:
        faults.append("a straight apostrophe (use ’)")
    plain = URL.sub("", FORMAT_CODE.sub("x", text)).replace("%%", "%")
    for found in SIGN.finditer(plain):
        before, sign = found.group(1), found.group(2)
        if before is None and sign != "»":  # at the very start: nothing to space
            continue
        if before != NNBSP:
            faults.append(f"{plain[max(0, found.start() - 12):found.end()]!r}: "
                          f"U+202F wanted before {sign!r}, found {before!r}")
    for found in re.finditer("«(.)", plain):
        if found.group(1) != NNBSP:
            faults.append(f"{plain[found.start():found.start() + 12]!r}: U+202F wanted after «")
    return faults


def _french_texts() -> list[tuple[str, str]]:
    with open(FR, "rb") as f:
        catalog = read_po(f, locale="fr")
    texts = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        texts += [(msgid, s) for s in strings if isinstance(s, str) and s]
    return texts


def test_the_checker_sees_each_fault() -> None:
    assert typography_faults("C’est noté\u202f: moins de vidéos comme celle-ci\u202f! Vraiment\u202f? 45\u202f%") == []
    assert typography_faults("Démarrage… %(percent)s\u202f%% ; «\u202fx\u202f»".replace(" ;", "\u202f;")) == []
    assert typography_faults("Voir https://havre.example/a?b=1 à 12:08") == []
    assert typography_faults("%(name)s\u202f: %(n)s") == []
    for bad in ("C'est", "noté : x", "noté: x", "vraiment ?", "oui !", "a ; b", "45 %", "45%", "« x »",
                "%(percent)s%%", "noté\u00a0: x"):
        assert typography_faults(bad), bad


def test_the_french_catalog_follows_french_typography() -> None:
    faults = {msgid: problems for msgid, text in _french_texts() if (problems := typography_faults(text))}
    assert faults == {}, f"{len(faults)} French texts to fix in {FR.relative_to(ROOT)}: {faults}"


@pytest.mark.parametrize("path", sorted(
    [*(ROOT / "src/havre/web/static").glob("*.js"), *(ROOT / "src/havre/web/templates").glob("*.html")],
    key=str), ids=lambda p: p.name)
def test_french_words_outside_the_catalog_follow_it_too(path: Path) -> None:
    """Pages and scripts take their words from the catalog; the few French words written in them
    ("Français", a French example) follow the same rules."""
    text = path.read_text(encoding="utf-8")
    french = re.findall(r"[\"'`>]([^\"'`<>\n]*[àâçéèêëîïôûùœ’][^\"'`<>\n]*)[\"'`<]", text)
    faults = {s: problems for s in french if (problems := typography_faults(s))}
    assert faults == {}, f"French text in {path.name} to fix: {faults}"
