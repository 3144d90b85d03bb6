"""Pages that show several areas at once.

The client page is a coach's home for one person: their details and jobs (clients),
the visit panel (visits), their task analyses (tasks), their accommodation requests
(accommodations), their employment plans (plans), their job search log (leads) and their
latest calls and messages (contacts). Each area offers its part as a plain function;
this module puts them together, so that no area reaches into another and a newcomer reads
the client page here, then in clients/client.html. The visit history below them is the visits
blueprint's own fragment, loaded when the coach scrolls to it.
"""

from coach.accommodations.services import requests_of
from coach.agency import agency_today
from coach.billing.services import usages, with_authorizations
from coach.clients.services import get_client_for
from coach.contacts.services import latest_contacts
from coach.leads.searchlog import latest_entries
from coach.models import User
from coach.plans.services import plans_of
from coach.tasks.services import tasks_of
from coach.today.services import team_review_flag
from coach.visits import panel
from coach.visits.services import ended_visit, open_visit


def client_page(user: User, client_id: int, ended_id: int | None = None) -> dict:
    """Everything the client page shows, read for `user`; 404 if the client is not
    theirs to see. `ended_id`: a visit of theirs that just ended, summed up."""
    loads = (*with_authorizations(), team_review_flag())
    client = get_client_for(user, client_id, with_jobs=True, also=loads)
    visit = open_visit(user, client)
    today = agency_today()
    return dict(
        client=client,
        today=today,
        visit=visit,
        saved_key=None,
        tasks=tasks_of(client),  # listed on the page; offered by the panel during a visit
        requests=requests_of(user, client),
        plans=plans_of(user, client),
        search_log=latest_entries(client),
        contacts=latest_contacts(user, client),
        authorizations=usages(client, today),
        team_review=bool(client.flagged_for_review),
        **panel.ended_summary(ended_visit(user, client, ended_id)),
        **panel.panel_forms(client, visit, today),
    )
