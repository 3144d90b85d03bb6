"""`make bench`: page speed at two data sizes (see __main__.py)."""

from datetime import date


def pages(run_id: int, anchor: date) -> dict[str, tuple[str, str, dict]]:
    """The routes the benchmark drives: name → (who, path, headers). `who` is "coach"
    (coach0, whose caseload holds client 1 and task 1) or "boss" (the supervisor).
    `anchor` is the day the database was seeded for (bench.seed.seeded_anchor)."""
    from bench.seed import month_start

    this_month = f"{anchor:%Y-%m}"
    billed = f"{month_start(anchor, 1):%Y-%m}"  # the seed's approved visits are all in it
    return {
        "health": ("coach", "/healthz", {}),
        "caseload": ("coach", "/clients/", {}),  # the home: with the week's contact counter
        "caseload search (fragment)": ("coach", "/clients/?q=Last0", {"HX-Request": "true"}),
        "client page": ("coach", "/clients/1", {}),
        "client visit history (fragment)": ("coach", "/clients/1/visits", {"HX-Request": "true"}),
        "visit form": ("coach", "/clients/1/visits/new", {}),
        "checklist run": ("coach", f"/runs/{run_id}", {}),
        "task progress": ("coach", "/tasks/1/progress", {}),
        "trip list": ("coach", f"/mileage/?month={this_month}", {}),
        "today": ("coach", "/today/", {}),
        "supervisor today": ("boss", "/today/", {}),
        "supervisor caseload": ("boss", "/clients/", {}),  # every caseload, coach search
        "supervisor visit list": ("boss", "/visits/", {}),  # the last 7 days
        "supervisor visit list (totals)": ("boss", "/visits/?totals=1", {}),
        "mileage review": ("boss", "/mileage/review", {}),
        "mileage export form": ("boss", "/mileage/export", {}),
        "employer contacts": ("coach", "/jobdev/", {}),
        "contacts per week (8 weeks)": ("boss", "/jobdev/weeks", {}),
        "lead list": ("coach", "/leads/", {}),
        "supervisor lead list": ("boss", "/leads/", {}),
        "career profile": ("coach", "/clients/1/profile", {}),
        "employment plan": ("coach", "/plans/1", {}),  # client 1's first plan, signed
        "job support (chart)": ("coach", "/support/jobs/1", {}),
        "monthly report (being written)": ("coach", "/reports/1", {}),  # figures assembled
        "monthly report (approved)": ("coach", "/reports/2", {}),  # figures frozen
        "shared report (the link)": ("coach", "/r/bench-report-token", {}),
        "outcomes": ("boss", "/outcomes/", {}),  # every caseload: budget 100 ms, 15 SQL
        "coach outcomes": ("coach", "/outcomes/", {}),
        "outcome records (pay)": ("boss", "/outcomes/records/pay", {}),
        "note review queue": ("boss", "/notes/", {}),  # flagged first, off ix_visits_review
        "milestones to claim": ("boss", "/milestones/", {}),
        "billing preview": ("boss", f"/billing/export?funder_id=1&month={billed}", {}),
    }
