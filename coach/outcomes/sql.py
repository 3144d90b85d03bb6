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
    there are, as two scalar subqueries for one SELECT. Window functions (row_number()
    and count() over the ordered values, both in SQLite 3.25+ and PostgreSQL) rank the
    values; the median is the middle one, or the mean of the middle two."""
    rows = values.subquery()
    value = next(iter(rows.c))
    ranked = (
        sa.select(
            value.label("v"),
            sa.func.row_number().over(order_by=value).label("rn"),
            sa.func.count().over().label("n"),
        )
        .where(value.is_not(None))
        .subquery()
    )
    middle = ranked.c.rn.between((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)
    median = sa.select(sa.func.avg(ranked.c.v)).where(middle).scalar_subquery()
    count = sa.select(sa.func.count()).select_from(rows).where(value.is_not(None))
    return median, count.scalar_subquery()
