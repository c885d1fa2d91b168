"""Languages: Norwegian bokmål by default, English by choice.

Messages are Babel catalogues (``ressursbank/web/locale/<lang>/LC_MESSAGES/messages.po``) read at start-up with
Babel's own reader, so a clean clone works without compiling ``.mo`` files. Message ids are English; the ``nb``
catalogue translates them. The choice is ``?lang=`` (remembered in the ``lang`` cookie), else the cookie, else
``Accept-Language``, else ``nb``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi import Request

LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "nb"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
LANG_COOKIE = "lang"

Translate = Callable[[str], str]


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Message id -> translation for ``lang`` (empty for English, whose ids are the text)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def translator(lang: str) -> Translate:
    """A ``gettext`` for ``lang``: the translation, or the message id itself when there is none."""
    table = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)

    def gettext(message: str) -> str:
        return table.get(message) or message

    return gettext


def negotiate(request: Request) -> str:
    """The language for this request."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("nb", "no", "nn"):
            return "nb"
        if code == "en":
            return "en"
    return DEFAULT_LANGUAGE
