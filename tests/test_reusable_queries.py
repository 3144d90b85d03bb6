"""Statements built once and reused (coach.extensions.reusable) must hold no request's
values: each user gets their own rows from the same statement."""

from tests.factories import make_client, make_task, make_trip, make_visit


def test_reused_statements_answer_each_user_with_their_own_rows(client, auth, login_as):
    made = {}
    for name in ("Alma", "Bert"):
        coach = login_as("coach")
        person = make_client(coach, name, "Sample")
        make_visit(person, coach, tasks_observed=f"{name} stocked shelves")
        task = make_task(person, coach, title=f"{name}'s task")
        make_trip(coach, purpose=f"{name}'s errand")
        made[name] = (coach, person, task)
        for path in (f"/clients/{person.id}", f"/tasks/{task.id}/progress", "/mileage/"):
            assert client.get(path).status_code == 200
        auth.logout()
    bert, bert_client, _ = made["Bert"]
    _, alma_client, alma_task = made["Alma"]
    auth.login(bert.email)
    assert "Bert stocked shelves" in client.get(f"/clients/{bert_client.id}").text
    assert client.get(f"/clients/{alma_client.id}").status_code == 404
    assert client.get(f"/tasks/{alma_task.id}/progress").status_code == 404
    trips = client.get("/mileage/?month=2026-11").text
    assert "Bert&#39;s errand" in trips and "Alma" not in trips
    visits = client.get("/visits/?start=2026-01-01").text
    assert "Bert Sample" in visits and "Alma" not in visits


def test_url_patterns_build_what_url_for_builds(app):
    from flask import url_for

    from coach.web import MAX_ID, UrlPattern

    links = [
        ("visits.view_visit", "visit_id", {}),
        ("tasks.score", "step_id", {"run_id": 7}),
        ("mileage.approve", "trip_id", {}),
        ("clients.view_client", "client_id", {}),
        ("mileage.new_trip", "repeat", {"reverse": 1}),  # in the query string
    ]
    for root in ("", "/coach"):  # also when the app is served under a path
        with app.test_request_context("/", base_url=f"http://phone.test{root}/"):
            for endpoint, name, values in links:
                pattern = UrlPattern(endpoint, name, **values)
                for number in (1, 7, 2026, MAX_ID - 1):
                    assert pattern(number) == url_for(endpoint, **{name: number}, **values)
                    assert pattern(number).startswith(f"{root}/")
