"""Scoring a task analysis run by tapping, then reading the chart and the grid."""

from datetime import datetime

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in, open_caseload
from tests.factories import PASSWORD, make_client, make_run, make_task, make_user

STEPS = [
    "Lay the napkin flat",
    "Place fork and knife",
    "Fold the bottom up",
    "Roll tightly",
    "Add the band",
]


def test_score_five_steps_then_see_chart_and_grid(page, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org")
        rosa = make_client(coach, "Rosa", "Rivera")
        task = make_task(rosa, coach, STEPS, title="Roll silverware")
        for day, independent in ((1, 2), (2, 4)):
            make_run(
                task,
                coach,
                {s.id: ("I" if k < independent else "V") for k, s in enumerate(task.steps)},
                started_at=datetime(2026, 11, day, 15),
            )
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("link", name="Roll silverware").click()
    page.get_by_role("button", name="Start a run").click()
    expect(page.get_by_text("Least-to-most")).to_be_visible()
    expect(page.get_by_text("Prompt levels")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)

    taps = ["I", "I", "G", "I", "NA"]
    names = {"I": "Independent", "G": "Gestural prompt", "NA": "Not attempted"}
    for step, level in zip(STEPS, taps, strict=True):
        row = page.get_by_role("group", name=step)
        row.get_by_role("button", name=names[level]).click()
        expect(row.get_by_role("button", name=names[level])).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(page.locator("#run-summary")).to_contain_text("5 steps scored")
    expect(page.locator("#run-summary")).to_contain_text("75% independent")  # 3 of 4 attempted

    page.get_by_role("link", name="See progress").click()
    chart = page.get_by_role("img", name="Percent of steps done independently, run by run")
    expect(chart).to_be_visible()
    expect(page.locator("svg circle")).to_have_count(3)
    grid = page.locator("table.grid")
    expect(grid.locator("td.lvl")).to_have_count(15)
    expect(grid.locator("tr.grid-total td").last).to_have_text("75")
    expect(page.get_by_text("Not met yet")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
