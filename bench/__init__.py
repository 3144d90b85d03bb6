"""`make bench`: page speed at two data sizes (see __main__.py)."""


def pages(run_id: int) -> dict[str, tuple[str, str, dict]]:
    """The routes the benchmark drives: name → (who, path, headers). `who` is "coach"
    (coach0, whose caseload holds client 1 and task 1) or "boss" (the supervisor)."""
    return {
        "health": ("coach", "/healthz", {}),
        "caseload": ("coach", "/clients/", {}),  # the home: with the week's contact counter
        "caseload search (fragment)": ("coach", "/clients/?q=Last0", {"HX-Request": "true"}),
        "client page": ("coach", "/clients/1", {}),
        "client visit history (fragment)": ("coach", "/clients/1/visits", {"HX-Request": "true"}),
        "visit form": ("coach", "/clients/1/visits/new", {}),
        "checklist run": ("coach", f"/runs/{run_id}", {}),
        "task progress": ("coach", "/tasks/1/progress", {}),
        "trip list": ("coach", "/mileage/?month=2026-11", {}),
        "today": ("coach", "/today/", {}),
        "supervisor today": ("boss", "/today/", {}),
        "supervisor visit list": ("boss", "/visits/", {}),
        "mileage review": ("boss", "/mileage/review", {}),
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
        "billing preview": ("boss", "/billing/export?funder_id=1&month=2026-11", {}),
    }
