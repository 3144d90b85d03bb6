"""The flaky-network phase: phones whose requests are dropped, and who keep an outbox.

A fifth of all requests are lost: half before they reach the server (nothing happened),
half after it answered (the save happened, the phone never heard). As in the browser
(coach/static/offline.js), a save that gets no answer goes into the phone's outbox with
its form and idempotency key unchanged, and the phone moves on; the outbox is sent again
in order, an item at a time, whenever the phone "has signal" (between actions, and until
it is empty at the end of the phase). What needs an answer to go on (the visit's number
to end it, the run's number to score it) is queued when that answer arrives. A write
counts as acknowledged only when an answer confirms it, exactly as in the other phases.
"""

import http.client
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from soak.phone import LEVELS, Phone, Response, hidden, trip_form

DROP = 0.2  # share of requests lost on the wire
FLUSH_ROUNDS = 400  # sending the outbox at the end: rounds before giving up


class Dropped(OSError):
    """The request or its answer was lost on the way (a simulated drop)."""


@dataclass
class Item:
    """One save in the outbox: the request as first made, and what its answer means."""

    path: str
    form: dict
    htmx: bool
    ok: tuple
    done: Callable[[Response], None]  # the answer arrived: acknowledge, queue what follows
    tries: int = 0


class FlakyPhone(Phone):
    """A phone on a bad network, with an outbox."""

    simulated = (Dropped,)

    def __init__(self, phone: Phone):
        # The same coach, session and ledger as in the other phases.
        self.__dict__.update(phone.__dict__)
        self.outbox: list[Item] = []
        self.pending_clients: set[int] = set()  # a start or end of theirs is not sent yet
        self.drops_before = self.drops_after = self.replayed = 0

    def request(self, method: str, path: str, form=None, htmx=False) -> Response:
        roll = self.rng.random()
        if roll < DROP / 2:
            self.drops_before += 1
            raise Dropped(f"{method} {path}: dropped before the server")
        response = super().request(method, path, form, htmx)
        if roll < DROP:
            self.drops_after += 1
            raise Dropped(f"{method} {path}: the server's answer was dropped")
        return response

    # --- the outbox --------------------------------------------------------------------

    def save(self, item: Item) -> None:
        """Send now if nothing waits before it (order is kept); else it waits its turn."""
        self.outbox.append(item)
        self.flush(rounds=1)

    def flush(self, rounds: int) -> None:
        """Send the outbox in order; stop at the first item still without an answer."""
        for _ in range(rounds):
            if not self.outbox:
                return
            item = self.outbox[0]
            item.tries += 1
            try:
                response = self.request("POST", item.path, item.form, item.htmx)
            except (OSError, http.client.HTTPException):
                continue  # no answer: it stays first in the outbox, sent again next round
            if response.status >= 500:
                self.stats.failed(self.port, "server_errors", ("POST", item.path, response.status))
                continue
            self.outbox.pop(0)
            if response.status not in item.ok:
                self.stats.add("unexpected", ("POST", item.path, response.status, "refused"))
                continue
            if item.tries > 1:
                self.replayed += 1
                with self.stats.lock:
                    self.stats.retried_writes += 1
            item.done(response)

    def settle(self) -> None:
        """End of the phase: signal until the outbox is empty."""
        self.flush(FLUSH_ROUNDS)
        if self.outbox:
            self.stats.add("gave_up", ("POST", f"{len(self.outbox)} items left in the outbox"))

    # --- the coach --------------------------------------------------------------------

    def work(self, until: float, think: float) -> None:
        actions = [self.live_visit, self.checklist_run, self.trip]
        while time.monotonic() < until:
            client_id, placement_id, task_id = self.rng.choice(self.seed.clients)
            try:
                self.rng.choice(actions)(client_id, placement_id, task_id)
                self.flush(rounds=3)  # some signal between actions
            except (RuntimeError, ValueError) as error:
                self.stats.add("unexpected", ("-", "flaky", 0, str(error)))
            time.sleep(self.rng.uniform(0, 2 * think))
        self.settle()

    def live_visit(self, client_id: int, placement_id: int, _task_id: int) -> None:
        """Start a visit; once the start is answered, end it with a note."""
        if client_id in self.pending_clients:
            return  # the coach waits for the last start or end of this client to go
        page = self.get(f"/clients/{client_id}")
        if "Visit under way" in page:
            raise RuntimeError(f"client {client_id} has a visit left open")
        key = hidden(page, "idempotency_key")
        self.pending_clients.add(client_id)

        def started(panel: Response) -> None:
            match = re.search(r"/visits/([1-9]\d*)/end", panel.text)
            if not match:
                self.pending_clients.discard(client_id)
                self.stats.add("unexpected", ("POST", "start visit", 200, "no visit under way"))
                return
            self.ledger.visits[key] = None
            self.stats.ack("visits")
            visit_id, note = match.group(1), f"soak flaky visit {key}"
            end = {
                "contact_type": "on_site",
                "placement_id": placement_id,
                "started_at": hidden(panel.text, "started_at"),
                "tasks_observed": note,
            }

            def ended(answer: Response) -> None:
                self.pending_clients.discard(client_id)
                if f'data-draft-saved="visit-{visit_id}"' in answer.text:
                    self.ledger.visits[key] = note
                    self.stats.ack("visit notes")
                else:
                    self.stats.add("unexpected", ("POST", "end visit", 200, "not saved"))

            self.save(Item(f"/visits/{visit_id}/end", end, True, (200,), ended))

        start = {"idempotency_key": key, "contact_type": "on_site", "placement_id": placement_id}
        self.save(Item(f"/clients/{client_id}/visits/start", start, True, (200,), started))

    def checklist_run(self, _client_id: int, _placement_id: int, task_id: int) -> None:
        """Start a run; once it is answered, score every step and correct one."""
        key = hidden(self.get(f"/tasks/{task_id}"), "idempotency_key")

        def started(response: Response) -> None:
            match = re.search(r"/runs/(\d+)$", response.location)
            if not match:
                self.stats.add("unexpected", ("POST", "start run", 302, "no run"))
                return
            run_id = int(match.group(1))
            self.ledger.runs[key] = run_id
            self.stats.ack("checklist runs")
            page = self.get(response.location)
            steps = list(
                dict.fromkeys(int(s) for s in re.findall(rf"/runs/{run_id}/steps/(\d+)", page))
            )
            for step_id in [*steps, self.rng.choice(steps)]:
                self.save(self.score(run_id, step_id, self.rng.choice(LEVELS)))

        self.save(Item(f"/tasks/{task_id}/runs", {"idempotency_key": key}, False, (302,), started))

    def score(self, run_id: int, step_id: int, level: str) -> Item:
        def shown(row: Response) -> None:
            if re.search(rf'value="{level}"[^>]*aria-pressed="true"', row.text):
                self.ledger.scores[(run_id, step_id)] = level
                self.stats.ack("step taps")
            else:
                self.stats.add("unexpected", ("POST", "score", row.status, "level not shown"))

        return Item(f"/runs/{run_id}/steps/{step_id}", {"level": level}, True, (200,), shown)

    def trip(self, *_ids) -> None:
        key = hidden(self.get("/mileage/new"), "idempotency_key")
        purpose = f"soak flaky trip {key}"
        form = trip_form(key, purpose, self.rng)

        def saved(response: Response) -> None:
            if "/mileage/" in response.location:
                self.ledger.trips[key] = purpose
                self.stats.ack("trips")

        self.save(Item("/mileage/new", form, False, (302,), saved))
