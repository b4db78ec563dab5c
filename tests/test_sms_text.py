"""SMS cost: segments counted with the real GSM 03.38 table, GSM-7 typography, transliteration,
and the shorter SMS variant of a message that would otherwise cross a segment boundary."""

from __future__ import annotations

from bot.channels.twilio_text import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    SMS_LIMIT,
    gsm_typography,
    is_gsm7,
    segments,
    sms_bill,
    sms_body,
    sms_cost,
    sms_parts,
    transliterate,
    units,
)
from bot.settings import Settings
from flows.render import Rendered

# GSM 03.38 default alphabet, row by row (0x00-0x7F); None is the escape to the extension table.
GSM_03_38 = [
    *"@£$¥èéùìòÇ\nØø\rÅå",
    *"Δ_ΦΓΛΩΠΨΣΘΞ",
    None,
    *"ÆæßÉ",
    *" !\"#¤%&'()*+,-./",
    *"0123456789:;<=>?",
    *"¡ABCDEFGHIJKLMNO",
    *"PQRSTUVWXYZÄÖÑÜ§",
    *"¿abcdefghijklmno",
    *"pqrstuvwxyzäöñüà",
]
# The extension table: each character is sent as escape + code, two septets.
GSM_03_38_EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[",
                       0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}  # fmt: skip


def test_the_alphabet_is_the_real_gsm_03_38_table():
    assert len(GSM_03_38) == 128
    assert frozenset(char for char in GSM_03_38 if char is not None) == GSM7_BASIC
    assert frozenset(GSM_03_38_EXTENSION.values()) == GSM7_EXTENDED


def test_extension_characters_count_two_and_never_straddle_parts():
    assert segments("[" * 80) == ("GSM-7", 1)  # 160 septets
    assert segments("[" * 81) == ("GSM-7", 2)
    # 152 septets, then "€" (2) would make 154 > 153: it opens the second part.
    assert segments("a" * 152 + "€" + "a" * 10) == ("GSM-7", 2)
    assert segments("a" * 306 + "€") == ("GSM-7", 3)
    assert segments("a" * 304 + "^") == ("GSM-7", 2)
    assert segments("a" * 305 + "^") == ("GSM-7", 3)


def test_one_character_outside_gsm7_makes_it_ucs2_at_70_then_67():
    assert segments("á" * 70) == ("UCS-2", 1)
    assert segments("á" * 71) == ("UCS-2", 2)
    assert segments("a" * 133 + "ê") == ("UCS-2", 2)
    assert segments("a" * 134 + "ê") == ("UCS-2", 3)
    assert segments("😀" * 35) == ("UCS-2", 1)  # 70 UTF-16 units
    assert segments("😀" * 36) == ("UCS-2", 2)  # 33 emoji (66 units) a part, pairs stay whole


def test_typography_becomes_gsm7_and_accents_stay():
    text = "Lun–vie 8–12 « l’atelier » … ¿Qué tal? Vous parlez français\u202f?"
    plain = gsm_typography(text)
    assert plain == 'Lun-vie 8-12 " l\'atelier " ... ¿Qué tal? Vous parlez français ?'
    assert not is_gsm7(plain)  # ç is still there: only transliteration removes it


def test_transliteration_reaches_gsm7_for_spanish_and_french():
    assert transliterate("¿Cuál es su información? Año: sí") == "¿Cual es su informacion? Año: si"
    assert transliterate("Vous parlez toutes les deux français – très bien ! Être, œuvre") == (
        "Vous parlez toutes les deux francais - très bien ! Etre, oeuvre"  # è is GSM-7
    )
    assert is_gsm7(transliterate("Sénégal, crédito, formación, âge, île, où, naïve, Ñuñoa"))


def test_sms_body_drops_the_hint_only_when_it_costs_a_segment():
    near = Rendered("a" * 130, (("1", "Oui"), ("2", "Non")))
    body = sms_body(near, "en")
    assert "Reply with a number" not in body and sms_cost(body) == 1
    short = Rendered("Ok?", (("1", "Oui"), ("2", "Non")))
    assert sms_body(short, "en").endswith("Reply with a number.")


def test_sms_body_drops_accents_only_where_that_saves_a_segment():
    long = Rendered("¿En qué ciudad vive? Información útil para su negocio y para su compañera.")
    assert segments(long.text) == ("UCS-2", 2)
    cheap = sms_body(long, "es")  # é and ñ are GSM-7: they stay
    assert cheap == "¿En qué ciudad vive? Informacion util para su negocio y para su compañera."
    assert segments(cheap) == ("GSM-7", 1)
    short = Rendered("¿Sí?")  # one UCS-2 segment either way: the accent is free
    assert sms_body(short, "es") == "¿Sí?"


def test_the_deployment_can_always_or_never_drop_accents():
    short = Rendered("¿Sí?")
    assert sms_body(short, "es", "always") == "¿Si?"
    long = Rendered("¿En qué ciudad vive? Información útil para su negocio y para su compañera.")
    assert sms_body(long, "es", "never") == long.text
    assert segments(sms_body(long, "es", "never"))[0] == "UCS-2"


def test_transliteration_is_a_setting(monkeypatch):
    assert Settings(_env_file=None).sms_transliterate == "auto"
    for written, read in (("true", "always"), ("false", "never"), ("Never", "never")):
        monkeypatch.setenv("SMS_TRANSLITERATE", written)
        assert Settings(_env_file=None).sms_transliterate == read


def test_the_console_counts_what_the_sms_channel_sends():
    text = "¿Cuál es su información? La feria es el sábado a las 10:00 en la plaza. " * 2
    assert sms_bill(text) == ("GSM-7", 1)  # accents dropped: they would cost two more
    assert sms_bill(text, "never") == ("UCS-2", 3)
    assert sms_bill("¿Sí?") == ("UCS-2", 1)  # free: kept


# An introduction as a woman in Dakar reads it by SMS (GSM-7, 474 characters): each SMS part is
# billed on its own, so where the parts are cut decides what it costs.
INTRODUCTION = """Awa, je vous ai trouvé une partenaire ! Elle s'appelle Emily (Canada) et dirige Maple Harvest.

- Vous pouvez aider Emily pour le leadership et les équipes, les pratiques durables ; Emily peut vous aider pour les finances et le crédit, l'IA et les outils numériques.
- Vous travaillez toutes les deux dans le meme secteur : agriculture et alimentation.
- Vous parlez toutes les deux francais et anglais.

Heure locale chez Emily : Vancouver, 8 heures de moins que chez vous."""  # noqa: E501


def test_a_long_sms_is_cut_where_it_costs_the_fewest_segments():
    """Cut greedily at 320 characters, the introduction above is 94 + 307 + 69 characters: 1 + 3
    + 1 = 5 segments (307 GSM-7 characters take a third). Cut after its first line of reasons
    instead, it is 4, as it would be whole; every part still ends at a line or a sentence."""
    parts = sms_parts(INTRODUCTION)
    assert sum(segments(part)[1] for part in parts) == 4
    assert sms_bill(INTRODUCTION) == ("GSM-7", 4)
    assert all(units(part) <= SMS_LIMIT for part in parts)
    assert "\n".join(parts).split() == INTRODUCTION.split()
    assert all(part.endswith((".", "!", "?")) for part in parts)
    assert sms_parts("Short and sweet.") == ["Short and sweet."]  # one part, as before
