"""The one line chart's geometry (drawn by templates' _chart.html `line_chart`): one or
more series of values on a shared x axis (runs, weeks), against a y axis from 0 to
`y_max` in `unit` (percent by default: the task progress chart)."""

import math

LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 26


def nice_max(
    values: list[float | None], floor: float = 5, whole: bool = False
) -> tuple[float, float]:
    """(top of the y axis, step between gridlines): four steps of 1, 2, 2.5 or 5 times a
    power of ten that reach the largest value (at least `floor`); `whole` steps only for
    counts (no gridline at 2.5 starts)."""
    top = max([v for v in values if v is not None] + [floor])
    rough = top / 4
    power = 10 ** math.floor(math.log10(rough))
    steps = (m * power for m in (1, 2, 2.5, 5, 10))
    step = next(s for s in steps if s >= rough and not (whole and s % 1))
    return step * 4, step


def series_coords(values, x_of, y_of) -> list[dict]:
    """A series' points; a None (nothing to measure) leaves its place on the axis empty."""
    return [
        {"x": round(x_of(i), 1), "y": round(y_of(value), 1), "value": value, "number": i + 1}
        for i, value in enumerate(values)
        if value is not None
    ]


def path_of(coords: list[dict]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{c['x']},{c['y']}" for i, c in enumerate(coords))


def chart_geometry(
    values: list[float | None],
    *more: tuple[str, list[float | None]],
    y_max: float = 100,
    step: float = 25,
    unit: str = "%",
    name: str = "",
    width: int = 340,
    height: int = 180,
) -> dict:
    """Coordinates for the line chart: `values` (the first series, called `name`) and any
    `more` (name, values) series, one value per place on the x axis, oldest first."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    n = max(len(values), *(len(v) for _, v in more)) if more else len(values)

    def x_of(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - min(value, y_max) / y_max)

    series = []
    for number, (label, numbers) in enumerate([(name, values), *more], start=1):
        coords = series_coords(numbers, x_of, y_of)
        series.append({"name": label, "number": number, "coords": coords, "path": path_of(coords)})
    ticks = [step * k for k in range(int(round(y_max / step)) + 1)]
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "top": TOP,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "y_max": y_max,
        "unit": unit,
        "count": n,
        "series": series,
        "coords": series[0]["coords"],
        "path": series[0]["path"],
        "dot_r": 4 if n <= 40 else 2,
        "gridlines": [{"y": round(y_of(v), 1), "label": f"{v:g}"} for v in ticks],
    }
