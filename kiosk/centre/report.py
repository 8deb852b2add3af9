"""The centre's day report: photos per station and per hour, overrides by rule and by
photographer, conflicts and retakes, from the batches collected so far. A table for the
terminal and a PNG chart for the centre manager (matplotlib, drawn without a display)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kiosk.centre.state import LIVE, CentreState
from kiosk.messages import count

# A station manifest's overrides cell: "check: reason (operator); ..." (kiosk.store.export).
OVERRIDE = re.compile(r"(?P<check>[a-z0-9_]+): .*? \((?P<operator>[^()]*)\)(?:; |$)")
# Chinese operator names need a CJK font; the first of these that is installed is used
# (fonts-noto-cjk, which `make run` installs, names its collections by their first face, JP).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Noto Serif CJK JP",
             "WenQuanYi Zen Hei", "Droid Sans Fallback")


@dataclass(frozen=True)
class DayReport:
    """What the centre received of the photos taken on `day` (station time): per station
    photos (each code's latest photo from it, conflict losers left out), photos with an
    override, retakes (earlier photos the station replaced) and capture codes in conflict
    (open or resolved); photos per station and hour (0-23); override counts."""

    day: date
    stations: dict[str, Counter]  # station -> Counter(photos=, overrides=, retakes=, conflicts=)
    hours: dict[str, Counter]  # station -> Counter(hour -> photos)
    override_rules: Counter  # rule -> photos it was overridden on
    override_operators: Counter  # photographer -> photos they overrode a rule on
    open_conflicts: tuple[str, ...]  # capture codes
    resolved_conflicts: tuple[str, ...]
    # Still to do at the centre, whatever day the photos were taken: codes held out of the
    # upload now (a conflict, one photo under two codes), and uploaded photos that no longer
    # count, to withdraw at CHSI (withdraw.csv).
    held: tuple[str, ...] = ()
    to_withdraw: tuple[str, ...] = ()

    @property
    def photos(self) -> int:
        return sum(c["photos"] for c in self.stations.values())


def day_report(state: CentreState, day: date) -> DayReport:
    """The report of `day` from the centre's state."""
    taken = state.photos("substr(p.taken_at, 1, 10) = ? AND p.status != 'replaced'", [day.isoformat()])
    resolved = {r[0] for r in state.db.execute("SELECT code FROM resolutions").fetchall()}
    held = {p.code for p in taken if p.status == "held"}
    stations: dict[str, Counter] = {}
    hours: dict[str, Counter] = {}
    rules, operators = Counter(), Counter()
    for p in taken:
        counts = stations.setdefault(p.station, Counter(photos=0, overrides=0, retakes=0, conflicts=0))
        hours.setdefault(p.station, Counter())
        if p.code in held or p.code in resolved:
            counts["conflicts"] += 1
        if p.status not in LIVE:
            continue  # a copy that lost its conflict
        counts["photos"] += 1
        counts["retakes"] += p.retakes
        hours[p.station][int(p.taken_at[11:13])] += 1
        found = list(OVERRIDE.finditer(p.overrides))
        counts["overrides"] += bool(found)
        rules.update(m["check"] for m in found)
        operators.update({m["operator"] for m in found})  # photos, as the table counts them
    codes = {p.code for p in taken}
    return DayReport(day, dict(sorted(stations.items())), dict(sorted(hours.items())), rules, operators,
                     tuple(sorted(held)), tuple(sorted((resolved & codes) - held)),
                     tuple(sorted({p.code for p in state.photos("p.status = 'held'")})),
                     tuple(p.code for p in state.to_withdraw()))


def to_do(report: DayReport) -> str:
    """One line of what the centre still has to do, or that nothing is left."""
    items = [f"held out of the upload {len(report.held)} ({_some(report.held)}; `kiosk centre collect` says why)"
             ] if report.held else []
    if report.to_withdraw:
        items.append(f"to withdraw at CHSI {len(report.to_withdraw)} ({_some(report.to_withdraw)}; withdraw.csv)")
    return "still to do: " + ("; ".join(items) if items else "nothing")


def _some(codes: tuple[str, ...], shown: int = 6) -> str:
    return ", ".join(codes[:shown]) + (f" and {len(codes) - shown} more" if len(codes) > shown else "")


def report_table(report: DayReport) -> str:
    """The report as plain text for a terminal."""
    lines = [f"day report {report.day}: {report.photos} photo{'' if report.photos == 1 else 's'} from "
             f"{len(report.stations)} station{'' if len(report.stations) == 1 else 's'}", ""]
    head = f"{'station':<12}{'photos':>8}{'overrides':>11}{'retakes':>9}{'conflicts':>11}"
    lines.append(head)
    total = Counter()
    for station, c in report.stations.items():
        lines.append(f"{station:<12}{c['photos']:>8}{c['overrides']:>11}{c['retakes']:>9}{c['conflicts']:>11}")
        total.update(c)
    lines.append(f"{'all':<12}{total['photos']:>8}{total['overrides']:>11}{total['retakes']:>9}"
                 f"{len(report.open_conflicts) + len(report.resolved_conflicts):>11}")
    lines.append("(overrides: photos with one or more, by rule below; conflicts: a station's photos of a code "
                 "taken at two stations, all: those codes)")
    used = sorted({h for c in report.hours.values() for h in c})
    if used:
        lines += ["", "photos per hour", "hour".ljust(12) + "".join(f"{h:>4}" for h in used)]
        lines += [f"{s:<12}" + "".join(f"{c[h]:>4}" for h in used) for s, c in report.hours.items()]
    lines += ["", "overrides by rule: " + (_counted(report.override_rules) or "none"),
              "photos overridden, by photographer: " + (_counted(report.override_operators) or "none"),
              f"conflicts: {len(report.open_conflicts)} open" + (
                  f" ({', '.join(report.open_conflicts)})" if report.open_conflicts else "")
              + f", {len(report.resolved_conflicts)} resolved", to_do(report)]
    return "\n".join(lines)


def _counted(counts: Counter) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.most_common())


def report_png(report: DayReport, path: Path) -> None:
    """Draw the report as a 1440 x 900 px PNG at `path`: photos per hour stacked by station,
    photos per station, overrides, retakes and conflicts per station, overrides by rule and
    by photographer."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": ["DejaVu Sans", *_cjk_fonts()], "font.size": 9}):
        figure = Figure(figsize=(12, 7.5), dpi=120, layout="constrained")
        FigureCanvasAgg(figure)
        panels = figure.subplot_mosaic([["hour", "hour", "photos"], ["issues", "rule", "operator"]])
        figure.suptitle(f"Day report {report.day}: {count(report.photos, 'photo')}, "
                        f"{count(len(report.stations), 'station')}, {len(report.open_conflicts)} open and "
                        f"{len(report.resolved_conflicts)} resolved conflicts\n{to_do(report)}",
                        fontsize=12)
        used = [h for c in report.hours.values() for h in c]
        hours = list(range(min(used, default=8), max(used, default=17) + 1))
        bottom = [0] * len(hours)
        # One colour per station in both panels that show stations (matplotlib's ten, in turn).
        colour = {station: f"C{i % 10}" for i, station in enumerate(report.stations)}
        for station, counts in report.hours.items():
            values = [counts[h] for h in hours]
            panels["hour"].bar(hours, values, bottom=bottom, label=station, color=colour[station])
            bottom = [b + v for b, v in zip(bottom, values)]
        legend_rows = -(-len(report.hours) // 5)  # five stations a row
        # Room above the bars for the legend; a day without photos gets an axis of 0-1 (0-0 warned).
        panels["hour"].set(title="Photos per hour", xlabel="hour (station time)", ylabel="photos", xticks=hours,
                           ylim=(0, max(*bottom, 1) * (1.05 + 0.1 * legend_rows)))
        if report.hours:
            panels["hour"].legend(fontsize=8, ncols=min(len(report.hours), 5), loc="upper center")

        names = list(report.stations)
        bars = panels["photos"].bar(names, [report.stations[s]["photos"] for s in names],
                                    color=[colour[s] for s in names])
        panels["photos"].bar_label(bars, fontsize=7)
        panels["photos"].set(title="Photos per station", ylabel="photos")
        kinds = ("overrides", "retakes", "conflicts")
        width = 0.8 / len(kinds)
        for i, (kind, colour) in enumerate(zip(kinds, ("tab:orange", "tab:green", "tab:red"))):
            values = [report.stations[s][kind] for s in names]
            bars = panels["issues"].bar([x + (i - 1) * width for x in range(len(names))], values, width,
                                        label=kind, color=colour)
            panels["issues"].bar_label(bars, fontsize=6)
        highest = max((report.stations[s][kind] for s in names for kind in kinds), default=0)
        panels["issues"].set(title="Overrides, retakes and conflicts per station", xticks=range(len(names)),
                             xticklabels=names, ylabel="count", ylim=(0, max(highest, 1) * 1.15))
        panels["issues"].legend(fontsize=8)
        for axes in (panels["photos"], panels["issues"]):
            axes.tick_params(axis="x", labelrotation=90 if len(names) > 5 else 0)

        for key, counts, title in (("rule", report.override_rules, "Overrides by rule"),
                                   ("operator", report.override_operators, "Photos overridden, by photographer")):
            axes = panels[key]
            items = counts.most_common()[::-1]  # the largest on top
            if items:
                bars = axes.barh([k for k, _ in items], [n for _, n in items], color="tab:orange")
                axes.bar_label(bars, fontsize=7)
            else:
                axes.text(0.5, 0.5, "none", ha="center", va="center", transform=axes.transAxes)
                axes.set(yticks=[], xticks=[])  # no count axis around nothing (it ran -0.04 to 0.04)
            axes.set(title=title, xlabel="overrides")
            axes.margins(x=0.1)  # room for the count beside the longest bar
        for key in ("hour", "photos", "issues"):
            panels[key].yaxis.get_major_locator().set_params(integer=True)
            if not report.stations:  # a day without photos: said, not axes around nothing
                if panels[key].get_legend() is not None:
                    panels[key].get_legend().remove()
                panels[key].set(xticks=[], yticks=[], xlabel="", ylabel="")
                panels[key].text(0.5, 0.5, "no photos this day", ha="center", va="center",
                                 transform=panels[key].transAxes)
        for key, counts in (("rule", report.override_rules), ("operator", report.override_operators)):
            if counts:
                panels[key].xaxis.get_major_locator().set_params(integer=True)
        figure.savefig(path, format="png")


def _cjk_fonts() -> list[str]:
    """The installed fonts of CJK_FONTS, as matplotlib names them."""
    from matplotlib.font_manager import findSystemFonts, fontManager

    names = {f.name for f in fontManager.ttflist}
    if not names & set(CJK_FONTS):
        # installed after matplotlib cached its font list (it rebuilds that only on an upgrade)
        for path in findSystemFonts():
            if re.search(r"CJK|wqy|DroidSansFallback", Path(path).name, re.IGNORECASE):
                fontManager.addfont(path)
        names = {f.name for f in fontManager.ttflist}
    return [f for f in CJK_FONTS if f in names]
