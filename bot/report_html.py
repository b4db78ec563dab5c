"""The programme report as one self-contained HTML file: no scripts, fonts or images to fetch.

Charts are inline SVG drawn here (bars for the funnel, sessions per week, ratings and announcement
reach; baseline → latest dots for the nine outcomes). Every SVG scales to its container, tables
scroll sideways on a narrow screen, so the same file reads on a laptop and on a phone, online or
not. All words come from the catalogs, in the language asked for.

Opened from the coordinator console, the page leads back to it (`back`); the same report written
to a file (`entrepairs report --html`, the console's download) has no such link, which would lead
nowhere once the file is sent on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from html import escape

from flows.i18n import day_month, decimal
from flows.messages import Msg
from flows.render import Reader, format_instant, render_msg
from flows.reports import (
    COUNTRY_LABELS,
    ERASED,
    FUNNEL,
    FUNNEL_LABELS,
    OUTCOME_LABELS,
    RISK_LABELS,
    TEXT,
    OutcomeStat,
    ProgrammeReport,
    row_order,
)

# One colour per chart, so a screenshot shows which charts are on the page.
COLOURS = {
    "funnel": "#6a1b9a",
    "weeks": "#00838f",
    "ratings": "#ef6c00",
    "baseline": "#9e9e9e",
    "latest": "#2e7d32",
    "reached": "#1565c0",
    "waiting": "#90caf9",
    "queued": "#fff176",
    "scheduled": "#ffe0b2",
    "failed": "#c62828",
    "skipped": "#bdbdbd",
}
HEADLINE = (
    "participants",
    "onboarded",
    "active_pairs",
    "sessions_30d",
    "mean_rating",
    "at_risk",
    "broadcasts_30d",
    "opted_out",
)

CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;color:#212121;background:#fafafa}main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;color:#4a148c}
.meta{color:#616161;margin:0}.cards{display:grid;grid-template-columns:repeat(auto-fit,
minmax(140px,1fr));gap:8px;margin-top:12px}.card{background:#fff;border:1px solid #e0e0e0;
border-radius:8px;padding:10px}.card b{display:block;font-size:1.5rem}.card span{color:#616161;
font-size:.85rem}section{background:#fff;border:1px solid #e0e0e0;border-radius:8px;
padding:12px 14px;margin-top:14px}svg.chart{width:100%;height:auto;display:block}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child,#risk th,#risk td{text-align:left}
th,td:first-child,#risk td{white-space:normal}
.meta,td{overflow-wrap:break-word}.note{color:#616161;font-size:.85rem}
.empty{color:#757575;font-style:italic}.legend span{display:inline-block;margin-right:12px;
font-size:.85rem}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;
border-radius:2px}.back{margin:0 0 .6rem}.back a{color:#4a148c}
@media (max-width:600px){main{padding:8px}h1{font-size:1.3rem}section{padding:10px 8px}
th,td{padding:4px 5px}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.stack,table.stack tbody,table.stack tr{display:block}table.stack tr{padding:4px 0;
border-bottom:2px solid #e0e0e0}table.stack td{display:block;position:relative;border:0;
padding:1px 4px 1px 55%;white-space:normal;text-align:left}table.stack td::before{
content:attr(data-label);position:absolute;left:4px;width:calc(55% - 12px);color:#616161;
overflow-wrap:break-word}table.stack td:first-child{padding-left:4px;font-weight:600}
table.stack td:first-child::before{content:none}}
@media print{.back{display:none}}
"""


class Words:
    """The report's words in one language."""

    def __init__(self, language: str) -> None:
        self.reader = Reader(language, None, "UTC")

    def msg(self, msg: Msg, **params: object) -> str:
        return escape(render_msg(replace(msg, params=dict(params)), self.reader))

    def __call__(self, key: str, **params: object) -> str:
        return self.msg(TEXT[key], **params)

    def number(self, value: float, *, signed: bool = False) -> str:
        """One decimal the reader's way ("2,0" in French)."""
        return decimal(self.reader.language, value, signed=signed)

    def country(self, code: str) -> str:
        return self.msg(COUNTRY_LABELS.get(code, COUNTRY_LABELS["?"]))

    def count(self, value: int | None) -> str:
        """A count of a table, or the mark of a hidden one."""
        return self("hidden") if value is None else str(value)


def _hbars(name: str, rows: list[tuple[str, float, str]], *, colour: str, scale: float) -> str:
    """Horizontal bars: (label, value, value as shown) per row."""
    height = 34 * len(rows) + 8
    parts = [
        f'<svg class="chart" data-chart="{name}" viewBox="0 0 640 {height}" role="img" '
        f'aria-label="{name}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, value, shown) in enumerate(rows):
        y = 8 + index * 34
        width = 0 if scale <= 0 else max(2.0, 360 * value / scale)
        parts.append(
            f'<text x="210" y="{y + 18}" text-anchor="end" font-size="14" fill="#424242">'
            f"{label}</text>"
            f'<rect x="220" y="{y}" width="{width:.1f}" height="24" rx="3" fill="{colour}"/>'
            f'<text x="{226 + width:.1f}" y="{y + 18}" font-size="14" fill="#212121">{shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _vbars(name: str, rows: list[tuple[str, int]], *, colour: str) -> str:
    """Vertical bars with a label under each (weeks, ratings)."""
    count = max(len(rows), 1)
    top = max((value for _label, value in rows), default=0) or 1
    slot = 600 / count
    width = max(4.0, slot * 0.7)
    parts = [
        f'<svg class="chart" data-chart="{name}" viewBox="0 0 640 240" role="img" '
        f'aria-label="{name}" xmlns="http://www.w3.org/2000/svg">',
        '<line x1="20" y1="200" x2="630" y2="200" stroke="#bdbdbd"/>',
    ]
    every = max(1, count // 10)  # at most about ten labels under the axis
    for index, (label, value) in enumerate(rows):
        x = 25 + index * slot + (slot - width) / 2
        height = 170 * value / top
        parts.append(
            f'<rect x="{x:.1f}" y="{200 - height:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'rx="2" fill="{colour}"><title>{label}: {value}</title></rect>'
        )
        if value:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{195 - height:.1f}" text-anchor="middle" '
                f'font-size="12">{value}</text>'
            )
        if index % every == 0:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="218" text-anchor="middle" font-size="12" '
                f'fill="#616161">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _dumbbells(words: Words, report: ProgrammeReport) -> str:
    """Baseline (grey) and latest (green) average per outcome, on the 1–5 scale."""
    rows = [
        (outcome, stats.get("all"))
        for outcome, stats in report.outcomes.items()
        if stats.get("all") is not None
    ]
    height = 30 * len(rows) + 40
    x = lambda value: 240 + (value - 1) * 95  # noqa: E731 (1 → 240, 5 → 620)
    parts = [
        f'<svg class="chart" data-chart="outcomes" viewBox="0 0 640 {height}" role="img" '
        f'aria-label="outcomes" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in range(1, 6):
        parts.append(
            f'<line x1="{x(tick)}" y1="10" x2="{x(tick)}" y2="{height - 24}" stroke="#eeeeee"/>'
            f'<text x="{x(tick)}" y="{height - 8}" text-anchor="middle" font-size="12" '
            f'fill="#616161">{tick}</text>'
        )
    for index, (outcome, stat) in enumerate(rows):
        assert stat is not None
        y = 24 + index * 30
        parts.append(
            f'<text x="228" y="{y + 5}" text-anchor="end" font-size="14" fill="#424242">'
            f"{words.msg(OUTCOME_LABELS[outcome])}</text>"
            f'<line x1="{x(stat.baseline):.1f}" y1="{y}" x2="{x(stat.latest):.1f}" y2="{y}" '
            f'stroke="#a5d6a7" stroke-width="4"/>'
            f'<circle cx="{x(stat.baseline):.1f}" cy="{y}" r="7" fill="{COLOURS["baseline"]}"/>'
            f'<circle cx="{x(stat.latest):.1f}" cy="{y}" r="7" fill="{COLOURS["latest"]}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _reach_chart(words: Words, report: ProgrammeReport) -> str:
    kinds = ("reached", "waiting", "queued", "scheduled", "failed", "skipped")
    height = 34 * len(report.reach) + 8
    parts = [
        f'<svg class="chart" data-chart="reach" viewBox="0 0 640 {height}" role="img" '
        f'aria-label="reach" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, item in enumerate(report.reach):
        r = item.report
        values = {
            "reached": r.reached,
            "waiting": r.waiting,
            "queued": r.going,
            "scheduled": r.scheduled,
            "failed": r.failed,
            "skipped": r.skipped + r.unreachable,
        }
        total = max(r.total, 1)
        y = 8 + index * 34
        parts.append(
            f'<text x="90" y="{y + 18}" text-anchor="end" font-size="14">#{item.broadcast_id}'
            "</text>"
        )
        left = 100.0
        for kind in kinds:
            width = 520 * values[kind] / total
            if width > 0:
                parts.append(
                    f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="24" '
                    f'fill="{COLOURS[kind]}"><title>{values[kind]}</title></rect>'
                )
            left += width
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLOURS[kind]}"></i>{words(kind)}</span>' for kind in kinds
    )
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def _table(head: list[str], rows: list[list[str]], *, stack: bool = False) -> str:
    """A table; `stack`: too many columns for a phone, so on a narrow screen each row becomes a
    card of "column: value" lines (CSS `.stack`, each cell labelled by its column's heading)."""
    cells = "".join(f"<th>{cell}</th>" for cell in head)
    if stack:
        # The headings are already escaped text (`Words`), safe inside an attribute.
        body = "".join(
            "<tr>"
            + "".join(
                f'<td data-label="{label}">{c}</td>' for label, c in zip(head, row, strict=True)
            )
            + "</tr>"
            for row in rows
        )
    else:
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    kind = ' class="stack"' if stack else ""
    table = f"<table{kind}><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _section(title: str, body: str, name: str) -> str:
    return f'<section id="{name}"><h2>{title}</h2>{body}</section>'


def render_html(report: ProgrammeReport, language: str = "en", *, back: str | None = None) -> str:
    """The page; `back`: the console's address to lead back to, when opened from it."""
    words = Words(language)
    empty = f'<p class="empty">{words("no_data")}</p>'
    generated = escape(format_instant(report.generated_at.astimezone(UTC), words.reader))
    cohort = escape(report.cohort) if report.cohort else words("all_cohorts")
    cards = "".join(
        f'<div class="card" data-key="{key}"><b>{_headline_value(report, key, language)}</b>'
        f"<span>{words(key)}</span></div>"
        for key in HEADLINE
    )
    countries = ", ".join(words.country(code) for code in report.countries)
    covered = f"{words('countries', countries=countries)} · " if countries else ""
    link = f'<p class="back"><a href="{escape(back)}">← {words("back")}</a></p>' if back else ""
    sections = [
        f'{link}<h1>{words("title")}</h1><p class="meta">{words("cohort", cohort=cohort)} · '
        f"{covered}"
        f'{words("generated", date=generated)} (UTC)</p><div class="cards">{cards}</div>'
    ]
    # Funnel
    top = max(report.funnel.values(), default=0)
    funnel_rows = [
        (words.msg(FUNNEL_LABELS[step]), report.funnel[step], str(report.funnel[step]))
        for step in FUNNEL
    ]
    body = _hbars("funnel", funnel_rows, colour=COLOURS["funnel"], scale=top) if top else empty
    if report.funnel_by_country:
        # The steps down, as in the chart above, and a narrow column a country: six steps across
        # did not fit a phone (Spanish 911 px for 360), and countries are three or four.
        countries = report.funnel_by_country
        body += f"<h3>{words('by_country')}</h3>" + _table(
            ["", *(words.country(country) for country in countries)],
            [
                [
                    words.msg(FUNNEL_LABELS[step]),
                    *(words.count(counts[step]) for counts in countries.values()),
                ]
                for step in FUNNEL
            ],
        )
    elif report.funnel_withheld:
        body += f'<h3>{words("by_country")}</h3><p class="note">{words("withheld")}</p>'
    sections.append(_section(words("funnel"), body, "funnel"))
    # Sessions per week
    weeks = [(day_month(language, week), n) for week, n in report.sessions_per_week]
    sections.append(
        _section(
            words("weeks"),
            _vbars("weeks", weeks, colour=COLOURS["weeks"]) if weeks else empty,
            "weeks",
        )
    )
    # Ratings
    ratings = [(str(value), report.ratings.get(value, 0)) for value in range(1, 6)]
    body = f'<p class="empty">{words("too_few")}</p>' if report.ratings_hidden else empty
    if sum(n for _label, n in ratings):
        body = _vbars("ratings", ratings, colour=COLOURS["ratings"])
    if report.ratings_erased:
        # The parameters unescaped: the whole sentence is escaped once.
        erased = render_msg(TEXT["ratings_erased"], words.reader)
        body += f'<p class="note">{words("line", label=erased, value=report.ratings_erased)}</p>'
    sections.append(_section(words("ratings"), body, "ratings"))
    # Outcomes
    sections.append(_section(words("outcomes"), _outcomes(words, report) or empty, "outcomes"))
    # At risk
    if report.at_risk:
        body = _table(
            [words("pair"), words("members"), words("reasons")],
            [
                [
                    f"#{item.pair_id}",
                    f"{item.a_public} ({words.country(item.countries[0])}) · "
                    f"{item.b_public} ({words.country(item.countries[1])})",
                    ", ".join(
                        words.msg(RISK_LABELS[key], **params) for key, params in item.reasons
                    ),
                ]
                for item in report.at_risk
            ],
        )
    else:
        body = f'<p class="empty">{words("none_at_risk")}</p>'
    sections.append(_section(words("risk"), body, "risk"))
    # Reach: "reached" is every message the platform took; the other columns are the same
    # exclusive counts as the console's delivery cards and the chat's /progress, and add up to
    # the audience.
    if report.reach:
        body = _reach_chart(words, report) + _table(
            [
                words("announcement"),
                words("date"),
                words("total"),
                words("reached"),
                words("delivered"),
                words("read"),
                words("waiting"),
                words("failed"),
                words("skipped"),
                words("queued"),
                words("scheduled"),
            ],
            [
                [
                    f"#{item.broadcast_id}",
                    item.queued_at.strftime("%Y-%m-%d") if item.queued_at else "",
                    str(item.report.total),
                    str(item.report.reached),
                    str(item.report.delivered),
                    str(item.report.read),
                    str(item.report.waiting),
                    str(item.report.failed),
                    str(item.report.skipped + item.report.unreachable),
                    str(item.report.going),
                    str(item.report.scheduled),
                ]
                for item in report.reach
            ],
            stack=True,
        )
    else:
        body = empty
    sections.append(_section(words("reach"), body, "reach"))
    # The parameters unescaped: the whole sentence is escaped once.
    mark = render_msg(TEXT["hidden"], words.reader)
    notes = f'<p class="note">{words("suppressed", mark=mark)} {words("pseudonyms")}'
    if report.counts_erased:
        notes += " " + words("erased", row=render_msg(COUNTRY_LABELS[ERASED], words.reader))
    notes += "</p>"
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{words('title')}</title><style>{CSS}</style></head><body><main>"
        + "".join(sections)
        + notes
        + "</main></body></html>"
    )


def _headline_value(report: ProgrammeReport, key: str, language: str) -> str:
    value = report.headline.get(key)
    if key == "mean_rating" and report.ratings_hidden:
        # The parameters unescaped: the mark is escaped once.
        return escape(render_msg(TEXT["hidden"], Words(language).reader))
    if value is None:
        return "—"
    return f"{decimal(language, value)}/5" if key == "mean_rating" else str(value)


def _outcome_cell(words: Words, stats: dict[str, OutcomeStat | None], where: str) -> str:
    """A country's change: "—" when nobody answered, the hidden mark when hidden."""
    if where not in stats:
        return "—"
    stat = stats[where]
    if stat is None:
        return words("hidden")
    return f"{words.number(stat.change, signed=True)} (n={stat.women})"


def _outcomes(words: Words, report: ProgrammeReport) -> str:
    if not any(report.outcomes.values()):
        return ""
    wheres = {where for stats in report.outcomes.values() for where in stats} - {"all"}
    countries = sorted(wheres, key=row_order)
    legend = (
        f'<p class="legend"><span><i style="background:{COLOURS["baseline"]}"></i>'
        f'{words("baseline")}</span><span><i style="background:{COLOURS["latest"]}"></i>'
        f"{words('latest')}</span></p>"
    )
    head = [words("outcome"), words("women"), words("baseline"), words("latest"), words("change")]
    head += [words.country(country) for country in countries]
    rows = []
    for outcome, stats in report.outcomes.items():
        overall = stats.get("all")
        row = [words.msg(OUTCOME_LABELS[outcome])]
        if overall is None:  # nobody answered it, or under 5 women did
            row += [words("hidden") if "all" in stats else "0", "—", "—", "—"]
        else:
            row += [
                str(overall.women),
                words.number(overall.baseline),
                words.number(overall.latest),
                words.number(overall.change, signed=True),
            ]
        row += [_outcome_cell(words, stats, country) for country in countries]
        rows.append(row)
    chart = (
        _dumbbells(words, report) + legend
        if any(s.get("all") for s in report.outcomes.values())
        else ""
    )
    withheld = (
        f'<p class="note">{words(report.outcomes_note)}</p>' if report.outcomes_withheld else ""
    )
    return chart + _table(head, rows, stack=True) + withheld
