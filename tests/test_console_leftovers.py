"""Console pages read as words, in the coordinator's language: a woman's place and language (not
"CA BC", "en"), the pairs list with both women's pseudonymous ids (hers as links, never names),
and "Try the failed ones again" with nothing failed says so (not "0 messages")."""

from __future__ import annotations

import html

import pytest
from sqlmodel import select

from flows import console_auth
from flows.matching import service
from storage.coordination import Broadcast
from storage.pairs import Cohort
from tests.support import console as support
from tests.support import programme
from tests.test_chat_leftovers import NOTHING  # the same words as in the chat
from tests.test_console_pages import TO_BOLIVIA, _client, run, signed_in  # noqa: F401

PLACES = {
    "en": ("<td>British Columbia, Canada</td>", "<td>English</td>"),
    "es": ("<td>Columbia Británica, Canadá</td>", "<td>Inglés</td>"),
    "fr": ("<td>Colombie-Britannique, Canada</td>", "<td>Anglais</td>"),
}


def _in(lang: str, csrf: str, paths: list[str], server, token) -> list[str]:  # type: ignore[no-untyped-def]
    """The pages at `paths` (GET) read in `lang`, unescaped."""

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post("/console/language", data={"csrf": csrf, "lang": lang, "back": "/"})
            return [html.unescape((await c.get(path)).text) for path in paths]

    return run(flow())


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_woman_s_place_and_language_read_as_words(signed_in, lang):  # noqa: F811
    """Emily lives in British Columbia and reads English: named so, not "CA BC" and "en"."""
    _app, server, token, csrf, _cohort_id, public = signed_in
    (page,) = _in(lang, csrf, [f"/console/women/{public['emily']}"], server, token)
    where, language = PLACES[lang]
    assert where in page and language in page, page
    assert "CA BC" not in page and "<td>en</td>" not in page


def test_the_pairs_list_shows_both_women_by_id_hers_as_links(signed_in, clock):  # noqa: F811
    """Nora coordinates Bolivia: Carmen (Bolivia) is a link to her page, Julie (Canada) her id
    only; neither's name shows."""
    app, server, _token, _csrf, cohort_id, public = signed_in
    with app.db.session() as s:
        women = {k: service.participant_by_public_id(s, v) for k, v in public.items()}
        pair = programme.pair(
            s, s.get(Cohort, cohort_id), women["carmen"], women["julie"], now=clock.now()
        )
        pair_id = pair.id
        nora_id = console_auth.find_by_address(s, "nora").id
    support.limit_coordinator(app, nora_id, countries=["BO"])
    token, csrf = support.session_cookie(app, nora_id)
    (page,) = _in("fr", csrf, ["/console/pairs/"], server, token)
    row = page.split(f'data-women="{pair_id}">', 1)[1].split("</td>", 1)[0]
    carmen, julie = public["carmen"], public["julie"]
    assert row == f'<a href="/console/women/{carmen}">{carmen}</a> + {julie}', row
    assert "Carmen" not in page and "Julie" not in page


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_retrying_with_nothing_failed_says_there_is_nothing_to_send(signed_in, lang):  # noqa: F811
    app, server, token, csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post("/console/language", data={"csrf": csrf, "lang": lang, "back": "/"})
            made = await c.post(
                "/console/broadcasts/new", data={"csrf": csrf, **TO_BOLIVIA, "when": "now"}
            )
            url = made.headers["location"]
            await c.post(url, data={"csrf": csrf, "action": "send"})
            retried = await c.post(url, data={"csrf": csrf, "action": "retry"})
            return await c.get(retried.headers["location"])

    page = html.unescape(run(flow()).text)
    assert NOTHING[lang] in page, page
    assert "0 message" not in page and "0 mensaje" not in page
    with app.db.session() as s:
        assert s.exec(select(Broadcast)).one().status == "queued"


COUNTRIES = {
    "en": ("<td>Bolivia</td>", "(Bolivia) + ", "(Canada)</p>"),
    "es": ("<td>Bolivia</td>", "(Bolivia) + ", "(Canadá)</p>"),
    "fr": ("<td>Bolivie</td>", "(Bolivie) + ", "(Canada)</p>"),
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_countries_read_as_names_in_the_lists_and_a_pair(signed_in, clock, lang):  # noqa: F811
    """The women list and a pair's page name the country in her language, not "BO", "CA"."""
    app, server, token, csrf, cohort_id, public = signed_in
    with app.db.session() as s:
        women = {k: service.participant_by_public_id(s, v) for k, v in public.items()}
        pair = programme.pair(
            s, s.get(Cohort, cohort_id), women["carmen"], women["julie"], now=clock.now()
        )
        pair_id = pair.id
    listed, shown = _in(
        lang,
        csrf,
        [f"/console/women/?q={public['carmen']}", f"/console/pairs/{pair_id}"],
        server,
        token,
    )
    in_list, first, second = COUNTRIES[lang]
    assert in_list in listed and "<td>BO</td>" not in listed, listed
    assert first in shown and second in shown and "(BO)" not in shown, shown


COUNTRY_BOXES = {"en": "> Senegal</label>", "es": "> Senegal</label>", "fr": "> Sénégal</label>"}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_cohort_coordinator_composes_to_the_countries_of_her_women_only(signed_in, clock, lang):  # noqa: F811
    """Nora coordinates a cohort of Senegalese women: the new announcement offers Senegal, by
    its name, and not Bolivia or Canada (where none of her women would receive it)."""
    app, server, _token, _csrf, _cohort_id, _public = signed_in
    with app.db.session() as s:
        dakar = programme.woman(s, "thies1", now=clock.now(), country="SN")
        cohort_id = programme.cohort(s, "Thies", [dakar], now=clock.now()).id
        nora_id = console_auth.find_by_address(s, "nora").id
    support.limit_coordinator(app, nora_id, cohorts=[cohort_id])
    token, csrf = support.session_cookie(app, nora_id)
    (page,) = _in(lang, csrf, ["/console/broadcasts/new"], server, token)
    assert 'name="countries" value="SN"' in page and COUNTRY_BOXES[lang] in page, page
    assert 'value="BO"' not in page and 'value="CA"' not in page
