import re
import socket
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coach.accommodations import services as acc
from coach.extensions import db
from coach.models import (
    AccommodationRequest,
    AuditEvent,
    OutboxMessage,
    Placement,
    RequestEvent,
    Signature,
    SignoffLink,
    Worksite,
)
from coach.signing import sha256_hex
from coach.timeutil import utcnow
from tests.conftest import count_queries
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_request,
    make_signature,
    make_worksite,
)

NEW = {
    "placement_id": 0,
    "functional_limitation": "Cannot stand for more than an hour at a time",
    "diagnosis": "Rheumatoid arthritis",
    "job_function": "Running the register",
    "accommodation": "A stool at the register for shifts over 4 hours",
    "alternatives": "Rotating to the stocking team",
    "estimated_cost": "45.50",
    "payer": "employer",
    "request_method": "in_person",
    "request_date": "2026-11-02",
    "contact_name": "Dana Brooks",
    "contact_email": "dana@grocery.example.com",
    "idempotency_key": "request-key-0001",
}
SIGN = {
    "consent": "y",
    "signer_name": "Dana Brooks",
    "signer_title": "Store Manager",
    "decision": "approved",
    "comment": "",
}


@pytest.fixture
def coach_client(login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera", disclosure="functional")
    site = make_worksite(
        make_employer(
            "Green Valley Grocery",
            contact_name="Dana Brooks",
            contact_email="dana@grocery.example.com",
        )
    )
    make_placement(person, site, "Cashier")
    return coach, person


def send(client, item, how="show", **extra):
    extra.setdefault("idempotency_key", uuid.uuid4().hex)
    response = client.post(
        f"/accommodations/{item.id}/send",
        data={
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": how,
            **extra,
        },
    )
    assert response.status_code == 200, response.text[:500]
    url = re.search(r'id="signoff-url" type="text" readonly value="([^"]+)"', response.text)
    return url.group(1)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_write_a_request_and_see_what_the_employer_will_see(client, coach_client):
    _, person = coach_client
    response = client.post(f"/clients/{person.id}/accommodations/new", data=NEW)
    assert response.status_code == 302
    item = db.session.scalar(sa.select(AccommodationRequest))
    assert item.estimated_cost_cents == 4550 and item.status == "draft"
    page = client.get(f"/accommodations/{item.id}").text
    assert "A stool at the register" in page and "Cannot stand for more than an hour" in page
    assert (
        "Rheumatoid arthritis"
        not in page.split("What the employer sees")[1].split("Interactive process")[0]
    )


def test_a_double_tap_of_save_writes_one_request(client, coach_client):
    _, person = coach_client
    first = client.post(f"/clients/{person.id}/accommodations/new", data=NEW)
    again = client.post(f"/clients/{person.id}/accommodations/new", data=NEW)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(AccommodationRequest.id))) == 1
    created = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "create", AuditEvent.entity_type == "accommodation"
    )
    assert db.session.scalar(created) == 1
    # A new form (a new key) writes a second request.
    client.post(
        f"/clients/{person.id}/accommodations/new", data={**NEW, "idempotency_key": "k2-123456"}
    )
    assert db.session.scalar(sa.select(sa.func.count(AccommodationRequest.id))) == 2


def test_a_request_key_used_for_another_client_is_refused(client, coach_client):
    coach, person = coach_client
    other = make_client(coach, "Liam", "Brown")
    client.post(f"/clients/{person.id}/accommodations/new", data=NEW)
    response = client.post(f"/clients/{other.id}/accommodations/new", data=NEW)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(AccommodationRequest.id))) == 1


def test_the_send_form_has_a_key_of_its_own(client, coach_client):
    _, person = coach_client
    client.post(f"/clients/{person.id}/accommodations/new", data=NEW)
    item = db.session.scalar(sa.select(AccommodationRequest))
    page = client.get(f"/accommodations/{item.id}/send").text
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', page).group(1)
    assert key and key != NEW["idempotency_key"]
    assert 'value="Dana Brooks"' in page  # the contact still comes from the request


def test_request_validation(client, coach_client):
    _, person = coach_client
    response = client.post(
        f"/clients/{person.id}/accommodations/new",
        data={**NEW, "accommodation": "", "payer": "other", "estimated_cost": "-1"},
    )
    assert "Describe the accommodation." in response.text
    assert "Say who pays." in response.text and "From 0 to 1,000,000." in response.text
    assert db.session.scalar(sa.select(sa.func.count(AccommodationRequest.id))) == 0


@pytest.mark.parametrize(
    "disclosure,shown,hidden",
    [
        ("functional", ["Cannot stand"], ["Rheumatoid"]),
        ("diagnosis", ["Cannot stand", "Rheumatoid"], []),
    ],
)
def test_employer_sees_only_what_the_client_agreed_to(
    client, coach_client, disclosure, shown, hidden
):
    coach, _ = coach_client
    person = make_client(coach, "Liam", "Brown", disclosure=disclosure)
    item = make_request(
        person,
        coach,
        functional_limitation="Cannot stand for long",
        diagnosis="Rheumatoid arthritis",
    )
    url = send(client, item)
    employer = client.application.test_client()  # no session: a different person
    page = employer.get(path_of(url)).text
    assert "A stool at the register" in page
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_a_request_for_a_client_who_discloses_nothing_is_not_sent(client, coach_client):
    """Asking an employer for an accommodation tells them of a disability: a client who
    chose to disclose nothing is not named to an employer in one (found by a review: the
    employer's page named the client and the VR agency paying)."""
    coach, _ = coach_client
    person = make_client(coach, "Liam", "Brown", disclosure="none")
    item = make_request(person, coach, payer="vr_agency")
    page = client.get(f"/accommodations/{item.id}").text
    assert "Liam chose not to disclose a disability to employers" in page
    assert "Send to employer" not in page
    refused = client.post(
        f"/accommodations/{item.id}/send",
        data={"contact_name": "Dana", "how": "show", "idempotency_key": "n" * 32},
        follow_redirects=True,
    )
    assert "a request for an accommodation would" in refused.text
    assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 0
    assert (
        "Liam chose not to"
        in client.get(f"/accommodations/{item.id}/send", follow_redirects=True).text
    )


def test_token_is_never_stored_in_clear(client, coach_client, app):
    coach, person = coach_client
    item = make_request(person, coach)
    token = send(client, item).rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, base64url
    link = db.session.scalar(sa.select(SignoffLink))
    assert link.token_hash == sha256_hex(token) and token not in link.token_hash
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name == "outbox_messages":
                continue  # development outbox; see the SMTP test for the real path
            for row in conn.execute(table.select()):
                assert token not in " ".join(str(v) for v in row), table.name


def test_link_is_single_use_and_the_decision_is_recorded(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    employer = client.application.test_client()
    response = employer.get(url)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "Caseload" not in response.text  # no way into the rest of the app
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).status == "sent"  # a GET decides nothing
    assert db.session.scalar(sa.select(SignoffLink.first_viewed_at)) is not None
    response = employer.post(url, data=SIGN)
    assert response.status_code == 200 and "your decision is recorded" in response.text
    again = employer.post(url, data={**SIGN, "decision": "declined", "comment": "Changed my mind"})
    assert again.status_code == 410 and "already recorded" in again.text
    assert employer.get(url).status_code == 410
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).status == "approved"
    signature = db.session.scalar(sa.select(Signature))
    assert (signature.signer_name, signature.signer_title, signature.consented) == (
        "Dana Brooks",
        "Store Manager",
        True,
    )
    assert signature.signer_email == "dana@grocery.example.com"
    assert signature.document_sha256 == sha256_hex(signature.document_text)
    assert signature.ip == "127.0.0.1"
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 1


def test_sign_form_rules(client, coach_client):
    coach, person = coach_client
    url = path_of(send(client, make_request(person, coach)))
    employer = client.application.test_client()
    response = employer.post(url, data={**SIGN, "consent": "", "decision": "declined"})
    assert "Tick the box to sign electronically." in response.text
    assert "Please explain the changes or the reason for declining." in response.text
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_expired_revoked_and_unknown_links(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    first = path_of(send(client, item))
    second = path_of(send(client, item))  # re-sending replaces the first link
    employer = client.application.test_client()
    response = employer.get(first)
    assert response.status_code == 410 and "replaced by a newer one" in response.text
    link = db.session.scalars(sa.select(SignoffLink).order_by(SignoffLink.id.desc())).first()
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = employer.get(second)
    assert response.status_code == 410 and "expired" in response.text
    assert employer.post(second, data=SIGN).status_code == 410
    unknown = employer.get("/s/" + "A" * 43)
    assert unknown.status_code == 404 and "not valid" in unknown.text
    assert "expired" not in unknown.text and "Rosa" not in unknown.text


def test_revoke_stops_the_link(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    client.post(f"/accommodations/{item.id}/revoke")
    assert client.application.test_client().get(url).status_code == 410
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).status == "draft"


def test_a_decided_request_is_not_edited_and_its_signature_stays(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    first = path_of(send(client, item))
    employer = client.application.test_client()
    employer.post(
        first,
        data={
            **SIGN,
            "decision": "approved_with_changes",
            "comment": "Stool only on weekend shifts",
        },
    )
    signed_before = db.session.scalar(sa.select(Signature.document_text))
    response = client.post(
        f"/accommodations/{item.id}/edit",
        data={**NEW, "accommodation": "A stool and a mat at the register"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(AccommodationRequest, item.id)
    assert (item.version, item.status) == (1, "approved_with_changes")
    assert "a mat" not in item.accommodation
    assert db.session.scalar(sa.select(Signature.document_text)) == signed_before
    assert "Document version: 1" in signed_before


def test_saving_without_changes_keeps_the_link(client, coach_client):
    coach, person = coach_client
    client.post(f"/clients/{person.id}/accommodations/new", data=NEW)
    item = db.session.scalar(sa.select(AccommodationRequest))
    url = path_of(send(client, item))
    client.post(f"/accommodations/{item.id}/edit", data=NEW)
    assert client.application.test_client().get(url).status_code == 200
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).version == 1


def test_changing_the_disclosure_revokes_open_links(client, coach_client):
    coach, _ = coach_client
    person = make_client(coach, "Dee", "Closure", disclosure="diagnosis")
    item = make_request(person, coach)
    url = path_of(send(client, item))
    client.post(
        f"/clients/{person.id}/edit",
        data={
            "first_name": "Dee",
            "last_name": "Closure",
            "status": "employed",
            "disclosure": "none",
        },
    )
    assert client.application.test_client().get(url).status_code == 410
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).version == 2
    client.post(  # nothing disclosed now: a new link is refused
        f"/accommodations/{item.id}/send",
        data={"contact_name": "Dana", "how": "show", "idempotency_key": "r" * 32},
    )
    assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 1


def test_closing_the_case_stops_the_employers_open_links(client, coach_client):
    """Found by a review: after the case closed, the employer could still read the
    functional limitation and sign for up to 14 days."""
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    edit = {"first_name": "Rosa", "last_name": "Rivera", "disclosure": "functional"}
    saved = client.post(
        f"/clients/{person.id}/edit", data=edit | {"status": "closed"}, follow_redirects=True
    )
    assert "open links no longer work" in saved.text
    assert client.application.test_client().get(url).status_code == 410
    assert (
        "Link revoked: the client&#39;s case was closed"
        in client.get(f"/accommodations/{item.id}").text
    )


def test_an_expired_link_leaves_nothing_to_wait_for(client, coach_client):
    """Found by a review: the request said "Waiting for the employer…" and polled every
    5 s for ever after its link expired."""
    from datetime import timedelta

    from coach.timeutil import utcnow

    coach, person = coach_client
    item = make_request(person, coach)
    send(client, item)
    poll = client.get(f"/accommodations/{item.id}/status", headers={"HX-Request": "true"})
    assert "Waiting for the employer" in poll.text and 'hx-trigger="every 5s"' in poll.text
    db.session.scalar(sa.select(SignoffLink)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for page in (
        client.get(f"/accommodations/{item.id}/status", headers={"HX-Request": "true"}).text,
        client.get(f"/accommodations/{item.id}").text,
    ):
        assert "Waiting for the employer" not in page and 'hx-trigger="every 5s"' not in page
        assert "link expired or was revoked: send a new link" in page


def test_signing_after_withdrawal_is_refused(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    link = db.session.scalar(sa.select(SignoffLink))
    # The coach withdraws while the employer's page is open: the link is revoked...
    client.post(f"/accommodations/{item.id}/withdraw")
    assert client.application.test_client().post(url, data=SIGN).status_code == 410
    # ...and even a link that somehow escaped revocation cannot decide a closed request.
    link.revoked_at = None
    db.session.commit()
    assert client.application.test_client().post(url, data=SIGN).status_code == 410
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).status == "withdrawn"
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_edit_while_waiting_revokes_the_link(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    client.post(f"/accommodations/{item.id}/edit", data={**NEW, "accommodation": "New text"})
    assert client.application.test_client().get(url).status_code == 410
    db.session.expire_all()
    item = db.session.get(AccommodationRequest, item.id)
    assert (item.version, item.status) == (2, "draft")
    new_url = path_of(send(client, item))
    assert "Document version: 2" in client.application.test_client().get(new_url).text


def test_changing_only_the_job_after_sending_makes_a_new_version(client, coach_client):
    coach, person = coach_client
    first_job = db.session.scalar(sa.select(Placement).where(Placement.client_id == person.id))
    other_job = make_placement(person, db.session.get(Worksite, first_job.worksite_id), "Stocker")
    client.post(
        f"/clients/{person.id}/accommodations/new", data={**NEW, "placement_id": first_job.id}
    )
    item = db.session.scalar(sa.select(AccommodationRequest))
    url = path_of(send(client, item))
    client.post(f"/accommodations/{item.id}/edit", data={**NEW, "placement_id": other_job.id})
    assert client.application.test_client().get(url).status_code == 410
    db.session.expire_all()
    item = db.session.get(AccommodationRequest, item.id)
    assert (item.version, item.placement_id) == (2, other_job.id)
    new_url = path_of(send(client, item))
    assert "Position: Stocker" in client.application.test_client().get(new_url).text


def test_signed_record_verifies_its_hash(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    client.application.test_client().post(url, data=SIGN)
    signature = db.session.scalar(sa.select(Signature))
    page = client.get(f"/accommodations/records/{signature.id}").text
    assert "Verified." in page and signature.document_sha256 in page
    assert "Dana Brooks, Store Manager" in page and "Link opened" not in page
    signature.document_text += "tampered"
    db.session.commit()
    assert "Does not verify." in client.get(f"/accommodations/records/{signature.id}").text


def test_the_seal_covers_the_decision_and_who_signed(client, coach_client):
    """Found by a review: the fingerprint sealed the document only, so a declined request
    changed to approved still read "Verified"."""
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    declined = {**SIGN, "decision": "declined", "comment": "We cannot offer a stool"}
    thanks = client.application.test_client().post(url, data=declined).text
    signature = db.session.scalar(sa.select(Signature))
    assert signature.record_sha256 and signature.record_sha256 in thanks
    record = client.get(f"/accommodations/records/{signature.id}").text
    assert "Verified." in record and signature.record_sha256 in record
    for name, value in (("decision", "approved"), ("signer_name", "Someone Else")):
        kept = getattr(signature, name)
        setattr(signature, name, value)
        db.session.commit()
        assert "Does not verify." in client.get(f"/accommodations/records/{signature.id}").text
        setattr(signature, name, kept)
        db.session.commit()
    assert "Verified." in client.get(f"/accommodations/records/{signature.id}").text
    signature.record_sha256 = None  # a record signed before seals were kept
    db.session.commit()
    assert "Verified." in client.get(f"/accommodations/records/{signature.id}").text


def test_the_signed_record_keeps_the_coachs_notes_out_and_stays_as_signed(client, coach_client):
    """The employer may be given a copy of the record: it lists the status and link
    events up to the signature, not the coach's notes of talks with the client, nor what
    happened after (found by a review: the whole log was printed under the signature)."""
    coach, person = coach_client
    item = make_request(person, coach)
    note = "Rosa says her new medication makes her drowsy after lunch"
    client.post(
        f"/accommodations/{item.id}/events",
        data={"kind": "conversation", "occurred_on": "2026-11-02", "summary": note},
    )
    client.application.test_client().post(path_of(send(client, item)), data=SIGN)
    signature = db.session.scalar(sa.select(Signature))
    record = client.get(f"/accommodations/records/{signature.id}").text
    assert "medication" not in record and "Sign-off link:" in record
    client.post(f"/accommodations/{item.id}/implemented", data={"implemented_on": "2026-11-03"})
    assert "medication" in client.get(f"/accommodations/{item.id}").text  # the log keeps it

    def trail(page: str) -> str:  # the record's log (the page's CSRF token changes)
        return page.split("Audit trail")[1].split("</ol>")[0]

    assert trail(client.get(f"/accommodations/records/{signature.id}").text) == trail(record)


def test_a_decided_request_shows_the_text_the_employer_signed(client, coach_client):
    """Found by a review: once decided, the page built the employer's text again from
    today's records, so a disclosure widened since showed a diagnosis the employer never
    saw."""
    coach, person = coach_client  # discloses the functional limitation only
    item = make_request(person, coach, diagnosis="Rheumatoid arthritis")
    client.application.test_client().post(path_of(send(client, item)), data=SIGN)
    client.post(
        f"/clients/{person.id}/edit",
        data={
            "first_name": "Rosa",
            "last_name": "Rivera",
            "status": "employed",
            "disclosure": "diagnosis",
            "coach_id": coach.id,
        },
    )
    db.session.expire_all()
    assert db.session.get(type(person), person.id).disclosure == "diagnosis"
    page = client.get(f"/accommodations/{item.id}").text
    shown = page.split("What the employer signed")[1].split("</article>")[0]
    assert "A stool at the register" in shown and "Rheumatoid" not in shown


def test_every_showing_of_the_document_to_the_employer_is_audited(
    client, coach_client, auth, login_as
):
    """A refused decision (the consent box left unticked) shows the whole document again:
    that is a view too (found by a review: only the GET was logged), and a supervisor
    finds the employer's views under their own type in the audit log."""
    from coach.models import AuditEvent

    coach, person = coach_client
    url = path_of(send(client, make_request(person, coach)))
    views = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.entity_type == "signoff_link")
    employer = client.application.test_client()
    employer.get(url)
    assert db.session.scalar(views) == 1
    refused = employer.post(url, data={**SIGN, "consent": ""})
    assert "A stool at the register" in refused.text
    assert db.session.scalar(views) == 2
    assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0
    auth.logout()
    login_as("supervisor")
    log = client.get("/audit/?type=signoff_link").text
    assert "document shown again to fix the form" in log and "link opened" in log


def test_status_polls_until_decided(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    url = path_of(send(client, item))
    waiting = client.get(f"/accommodations/{item.id}/status", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 5s"' in waiting.text and "Waiting for the employer" in waiting.text
    client.application.test_client().post(url, data=SIGN)
    decided = client.get(f"/accommodations/{item.id}/status", headers={"HX-Request": "true"})
    assert "hx-trigger" not in decided.text and "Approved by Dana Brooks" in decided.text


def test_interactive_process_and_follow_up(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    client.post(
        f"/accommodations/{item.id}/events",
        data={"kind": "meeting", "occurred_on": "2026-11-03", "summary": "Met Dana at the store"},
    )
    url = path_of(send(client, item))
    client.application.test_client().post(url, data=SIGN)
    client.post(f"/accommodations/{item.id}/implemented", data={"implemented_on": "2026-11-01"})
    db.session.expire_all()
    item = db.session.get(AccommodationRequest, item.id)
    assert str(item.follow_up_due) == "2026-11-15"
    assert "Follow-ups due" in client.get("/accommodations/").text
    client.post(f"/accommodations/{item.id}/follow-up", data={"result": "works", "notes": "Fine"})
    db.session.expire_all()
    assert db.session.get(AccommodationRequest, item.id).follow_up_result == "works"
    kinds = db.session.scalars(sa.select(RequestEvent.kind)).all()
    assert {"meeting", "link", "status", "follow_up"} <= set(kinds)


def test_development_mail_goes_to_the_outbox(client, coach_client, auth, login_as):
    coach, person = coach_client
    item = make_request(person, coach)
    send(client, item, how="email")
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.to == "dana@grocery.example.com" and "/s/" in message.body
    assert "Rheumatoid" not in message.body and "Cannot stand" not in message.body
    auth.logout()
    login_as("admin")
    assert "accommodation request to review" in client.get("/admin/outbox").text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_through_a_real_smtp_server_and_its_link_works_once(client, coach_client, app):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        coach, person = coach_client
        item = make_request(person, coach)
        send(client, item, how="email")
    finally:
        controller.stop()
        app.config["MAIL_SERVER"] = ""
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert recipients == ["dana@grocery.example.com"]
    url = re.search(r"http://localhost/s/[A-Za-z0-9_-]+", content).group(0)
    token = url.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(OutboxMessage))
    assert stored.delivered and token not in stored.body  # the real path keeps no link
    employer = app.test_client()
    assert employer.get(path_of(url)).status_code == 200
    assert employer.post(path_of(url), data=SIGN).status_code == 200
    assert employer.get(path_of(url)).status_code == 410  # once, and never again


def test_emailing_needs_an_email(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    response = client.post(
        f"/accommodations/{item.id}/send",
        data={"contact_name": "Dana", "contact_email": "", "how": "email"},
    )
    assert "email to send the link by email." in response.text
    assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 0


def test_a_retried_send_makes_no_second_link(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    send(client, item, how="email", idempotency_key="send-key-12345")
    retry = client.post(
        f"/accommodations/{item.id}/send",
        data={
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": "email",
            "idempotency_key": "send-key-12345",
        },
    )
    assert retry.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_a_double_tapped_send_racing_past_the_key_check_sends_nothing_twice(
    client, coach_client, monkeypatch
):
    coach, person = coach_client
    item = make_request(person, coach)
    send(client, item, how="email", idempotency_key="race-key-12345")
    # The second tap looked before the first one committed: it saw no link yet.
    real, missed = db.session.scalars, []

    def scalars(statement, *args, **kwargs):
        looks_for_key = "idempotency_key" in str(getattr(statement, "whereclause", ""))
        if looks_for_key and not missed:
            missed.append(statement)
            statement = statement.where(sa.false())
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalars", scalars)
    retry = client.post(
        f"/accommodations/{item.id}/send",
        data={
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": "email",
            "idempotency_key": "race-key-12345",
        },
    )
    assert retry.status_code == 302 and missed
    assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_request_pages_run_a_few_queries_whatever_the_history(client, coach_client):
    coach, person = coach_client
    item = make_request(person, coach)
    signature = make_signature(item, coach)
    pages = (
        f"/accommodations/{item.id}",
        f"/accommodations/{item.id}/status",
        f"/accommodations/{item.id}/edit",
        f"/accommodations/records/{signature.id}",
        "/accommodations/?all=1",
    )

    def queries(events: int) -> list[int]:
        for i in range(events):
            acc.log_event(item, "note", f"Talked with Dana ({i})", coach.id)
            acc.create_link(item, "The request.", coach, "Dana", "")
        db.session.commit()
        counts = []
        for page in pages:
            db.session.remove()
            with count_queries() as statements:
                assert client.get(page).status_code == 200
            counts.append(len(statements))
        return counts

    few, many = queries(2), queries(40)
    assert few == many
    assert max(many) <= 10


def test_a_link_key_another_coach_used_is_refused_not_a_500(client, auth, login_as, coach_client):
    """A send form replayed by someone else carries a key that is not theirs: 400."""
    coach, person = coach_client
    send(client, make_request(person, coach), idempotency_key="k" * 32)
    auth.logout()
    other = login_as("coach")
    theirs = make_request(make_client(other, "Omar", "Ortiz", disclosure="functional"), other)
    response = client.post(
        f"/accommodations/{theirs.id}/send",
        data={"contact_name": "Dana", "how": "show", "idempotency_key": "k" * 32},
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 1
