"""A GET of a sign-off link shows to the coach as opened, possibly by a mail scanner."""

import sqlalchemy as sa

from coach.accommodations import services as acc
from coach.extensions import db
from coach.models import AuditEvent, Signature
from tests.factories import make_client, make_request

SIGN = {
    "consent": "y",
    "signer_name": "Dana Brooks",
    "signer_title": "Store Manager",
    "decision": "approved",
}


def test_an_opened_link_does_not_claim_the_employer_read_it(client, login_as, app):
    coach = login_as("coach")
    item = make_request(make_client(coach, "Rosa"), coach)
    _, token = acc.create_link(item, "the document", coach, "Dana", "dana@example.com")
    db.session.commit()
    scanner = app.test_client()  # a mail scanner follows every link in a message
    assert scanner.get(f"/s/{token}").status_code == 200

    page = client.get(f"/accommodations/{item.id}").text
    assert "(possibly by a mail scanner)" in page and "first opened" not in page
    summary = db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.entity_type == "signoff_link")
    )
    assert summary == "link opened (possibly by a mail scanner)"

    assert scanner.post(f"/s/{token}", data=SIGN).status_code == 200
    signature = db.session.scalar(sa.select(Signature))
    record = client.get(f"/accommodations/records/{signature.id}").text
    assert "Link opened (possibly by a mail scanner)" in record
    assert "Link first opened" not in record
