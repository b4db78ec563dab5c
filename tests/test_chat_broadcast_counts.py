"""A coordinator's announcement in chat to one woman (a country, a cohort may hold one) is
counted in the singular, in each coordinator's language: "1 woman", never "1 women"."""

from __future__ import annotations

import pytest

from tests.support.pairing import cohort_of_four
from tests.test_introductions_review import NOW, _coordinator_ana


@pytest.mark.parametrize(
    ("language", "ask", "preview", "done"),
    [
        (
            "1",
            "Escriba el anuncio en español para 1 mujer (600",
            "Lo recibirá 1 mujer:",
            "Listo: 1 mensaje está en camino. Escriba /progress para seguirlo.",
        ),
        (
            "2",
            "Écrivez l'annonce en espagnol pour 1 femme (600",
            "1 femme la recevra\u00a0:",
            "C'est fait\u00a0: 1 message est en route. Écrivez /progress pour le suivre.",
        ),
        (
            "3",
            "Write the announcement in Spanish for 1 woman (600",
            "1 woman will receive it:",
            "Done: 1 message is on its way. Write /progress to follow it.",
        ),
    ],
)
def test_an_announcement_to_one_woman_says_one_woman(
    settings, db, clock, recorder, language, ask, preview, done
):
    app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1", "Ana")
    with db.session() as session:
        cohort_of_four(session, NOW)  # Carmen is the one woman in Bolivia
    ana.says("/broadcast")
    ana.says("2")  # the women of one country
    ana.says("1")  # Bolivia
    ana.expect(ask)
    ana.says("Feria el sábado")
    ana.says("1")  # now
    ana.expect(preview)
    ana.says("1")  # send
    ana.expect(done)
