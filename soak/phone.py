"""A simulated coach's phone: logs in through the real form, then visits, taps and trips.

It behaves as the app's pages do in a browser: keys come from the rendered forms, htmx
requests carry HX-Request and the CSRF header, redirects are followed. A write counts as
acknowledged only when the answer confirms the save. A request that dies on the wire
(a killed worker) or answers 5xx is sent again with the same form, the same idempotency
key, as a phone's retry would.
"""

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from soak.seed import PASSWORD, CoachSeed

LEVELS = ["I", "I", "V", "G", "M", "PP", "FP", "NA"]
RETRIES = 30
DOUBLE_TAP = 0.1  # share of writes sent twice at once, as an impatient thumb does


@dataclass
class Stats:
    """What happened on the wire during one phase, across all phones."""

    requests: int = 0
    latencies: list = field(default_factory=list)
    server_errors: list = field(default_factory=list)  # (method, path, status)
    connection_errors: list = field(default_factory=list)  # (method, path, error)
    unexpected: list = field(default_factory=list)  # (method, path, status, why)
    retried_writes: int = 0
    double_taps: int = 0
    gave_up: list = field(default_factory=list)
    acknowledged: dict = field(default_factory=dict)  # kind -> count this phase
    servers: dict = field(default_factory=dict)  # port -> [requests, 5xx and cut requests]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, item) -> None:
        with self.lock:
            getattr(self, name).append(item)

    def count(self, port: int, requests: int = 0, errors: int = 0) -> None:
        with self.lock:
            tally = self.servers.setdefault(port, [0, 0])
            tally[0] += requests
            tally[1] += errors

    def failed(self, port: int, name: str, item) -> None:
        """A 5xx (its request already counted) or a request cut on the wire (counted
        here), held against the server it was sent to."""
        self.add(name, item)
        self.count(port, requests=int(name == "connection_errors"), errors=1)

    def ack(self, kind: str) -> None:
        with self.lock:
            self.acknowledged[kind] = self.acknowledged.get(kind, 0) + 1


@dataclass
class Ledger:
    """Every write the server acknowledged to one coach, as the phone saw it."""

    visits: dict = field(default_factory=dict)  # idempotency key -> note text (None: no note)
    trips: dict = field(default_factory=dict)  # idempotency key -> purpose
    runs: dict = field(default_factory=dict)  # idempotency key -> run id
    scores: dict = field(default_factory=dict)  # (run id, step id) -> last level


@dataclass
class Response:
    status: int
    location: str
    text: str
    headers: dict


def trip_form(key: str, purpose: str, rng) -> dict:
    """The new-trip form as a phone posts it: yesterday, a few miles, no client."""
    return {
        "idempotency_key": key,
        "trip_date": (datetime.now(UTC).date() - timedelta(days=1)).isoformat(),
        "purpose": purpose,
        "client_id": 0,
        "origin": "Office",
        "destination": "Main store",
        "miles": f"{rng.randint(5, 300) / 10:.1f}",
    }


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    if not match:
        raise ValueError(f"no {name} in the page")
    return match.group(1)


class Phone:
    simulated: tuple = ()  # errors the soak makes up on the wire (not the server's)

    def __init__(self, port: int, seed: CoachSeed, stats: Stats):
        self.port, self.seed, self.stats = port, seed, stats
        self.cookie, self.token = "", ""
        self.ledger = Ledger()
        self.rng = random.Random(seed.user_id)

    # --- the wire ---------------------------------------------------------------------

    def request(self, method: str, path: str, form=None, htmx=False) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": self.token})
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        with self.stats.lock:
            self.stats.requests += 1
            self.stats.latencies.append(time.perf_counter() - start)
        self.stats.count(self.port, requests=1)
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return Response(
            response.status, response.getheader("Location") or "", text, dict(response.headers)
        )

    def send(self, method: str, path: str, form=None, htmx=False, ok=(200,)) -> Response | None:
        """Send until the server answers; the same form (and key) every time."""
        for attempt in range(RETRIES):
            if attempt:
                time.sleep(min(2.0, 0.1 * 2**attempt))
            try:
                response = self.request(method, path, form, htmx)
            except (OSError, http.client.HTTPException) as error:
                # The worker died with the request: not acknowledged, and not a 5xx.
                item = (method, path, repr(error))
                if isinstance(error, self.simulated):
                    self.stats.add("connection_errors", item)
                else:
                    self.stats.failed(self.port, "connection_errors", item)
                continue
            if response.status >= 500:
                self.stats.failed(self.port, "server_errors", (method, path, response.status))
                continue
            if response.status not in ok:
                self.stats.add("unexpected", (method, path, response.status, response.text[:200]))
                return None
            if attempt and form is not None:
                with self.stats.lock:
                    self.stats.retried_writes += 1
            return response
        self.stats.add("gave_up", (method, path))
        return None

    def tap(self, path: str, form: dict, htmx=False, ok=(200,)) -> Response | None:
        """POST a form; now and then twice at once (a double tap), which may reach both
        workers. Both answers must confirm the save, and the key makes one record."""
        if self.rng.random() >= DOUBLE_TAP:
            return self.send("POST", path, form, htmx, ok)
        with self.stats.lock:
            self.stats.double_taps += 1
        answers = [None, None]

        def one(i: int) -> None:
            answers[i] = self.send("POST", path, form, htmx, ok)

        other = threading.Thread(target=one, args=(1,))
        other.start()
        one(0)
        other.join()
        return answers[0] if all(answers) else None

    def get(self, path: str) -> str:
        response = self.send("GET", path)
        if response is None:
            raise RuntimeError(f"GET {path} failed")
        return response.text

    def follow(self, response: Response) -> None:
        """A browser follows the redirect after a save; so do we."""
        if response.location:
            self.get(response.location)

    # --- the coach --------------------------------------------------------------------

    def log_in(self) -> None:
        self.token = hidden(self.get("/login"), "csrf_token")
        response = self.send(
            "POST", "/login", {"email": self.seed.email, "password": PASSWORD}, ok=(302,)
        )
        if response is None:
            raise RuntimeError(f"{self.seed.email} could not log in")
        page = self.get("/clients/")
        # htmx sends the token from the page's hx-headers; it changed at login.
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    def work(self, until: float, think: float) -> None:
        """Visits, checklist runs and trips in a random mix until the time is up.

        An action that is under way when time runs out is finished, so no write is
        left in flight when the phase is checked.
        """
        actions = [self.past_visit, self.live_visit, self.checklist_run, self.trip]
        while time.monotonic() < until:
            client_id, placement_id, task_id = self.rng.choice(self.seed.clients)
            action = self.rng.choice(actions)
            try:
                action(client_id, placement_id, task_id)
            except (RuntimeError, ValueError) as error:  # a page without what a phone needs
                self.stats.add("unexpected", ("-", action.__name__, 0, str(error)))
            time.sleep(self.rng.uniform(0, 2 * think))

    def past_visit(self, client_id: int, placement_id: int, _task_id: int) -> None:
        """Write up an earlier visit (a plain form post, redirected when saved)."""
        path = f"/clients/{client_id}/visits/new"
        key = hidden(self.get(path), "idempotency_key")
        # Two days back is in the past in every time zone the agency may use.
        start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)
        note = f"soak past visit {key}"
        form = {
            "idempotency_key": key,
            "contact_type": "on_site",
            "placement_id": placement_id,
            "started_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ended_at": (start + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"),
            "tasks_observed": note,
        }
        response = self.tap(path, form, ok=(302,))
        if response and re.search(r"/visits/\d+$", response.location):
            self.ledger.visits[key] = note
            self.stats.ack("visits")
            self.follow(response)

    def live_visit(self, client_id: int, placement_id: int, _task_id: int) -> None:
        """Start a visit, then end it with a note: two htmx posts on the client page."""
        page = self.get(f"/clients/{client_id}")
        if "Visit under way" in page:  # every visit this phone starts, it ends
            raise RuntimeError(f"client {client_id} has a visit left open")
        key = hidden(page, "idempotency_key")
        start = {"idempotency_key": key, "contact_type": "on_site", "placement_id": placement_id}
        panel = self.tap(f"/clients/{client_id}/visits/start", start, htmx=True)
        match = panel and re.search(r"/visits/([1-9]\d*)/end", panel.text)
        if not match:
            self.stats.add("unexpected", ("POST", "start visit", 200, "no visit under way"))
            return
        visit_id = match.group(1)
        self.ledger.visits[key] = None
        self.stats.ack("visits")
        note = f"soak live visit {key}"
        end = {
            "contact_type": "on_site",
            "placement_id": placement_id,
            "started_at": hidden(panel.text, "started_at"),
            "tasks_observed": note,
        }
        panel = self.tap(f"/visits/{visit_id}/end", end, htmx=True)
        # The saved marker is what tells the browser to drop its draft: the confirmation.
        if panel and f'data-draft-saved="visit-{visit_id}"' in panel.text:
            self.ledger.visits[key] = note
            self.stats.ack("visit notes")
        else:
            self.stats.add("unexpected", ("POST", f"/visits/{visit_id}/end", 200, "not saved"))

    def checklist_run(self, _client_id: int, _placement_id: int, task_id: int) -> None:
        """Start a run of the task, then tap a prompt level for every step (htmx)."""
        key = hidden(self.get(f"/tasks/{task_id}"), "idempotency_key")
        response = self.tap(f"/tasks/{task_id}/runs", {"idempotency_key": key}, ok=(302,))
        match = response and re.search(r"/runs/(\d+)$", response.location)
        if not match:
            return
        run_id = int(match.group(1))
        self.ledger.runs[key] = run_id
        self.stats.ack("checklist runs")
        page = self.get(response.location)
        steps = list(
            dict.fromkeys(int(s) for s in re.findall(rf"/runs/{run_id}/steps/(\d+)", page))
        )
        # Every step once, and a second tap on one of them: a correction.
        for step_id in [*steps, self.rng.choice(steps)]:
            level = self.rng.choice(LEVELS)
            path = f"/runs/{run_id}/steps/{step_id}"
            row = self.tap(path, {"level": level}, htmx=True)
            if row and re.search(rf'value="{level}"[^>]*aria-pressed="true"', row.text):
                self.ledger.scores[(run_id, step_id)] = level
                self.stats.ack("step taps")
            elif row:
                self.stats.add("unexpected", ("POST", path, row.status, "level not shown"))

    def trip(self, *_ids) -> None:
        """Log a trip (a boosted form post in the browser; redirected when saved)."""
        key = hidden(self.get("/mileage/new"), "idempotency_key")
        purpose = f"soak trip {key}"
        form = trip_form(key, purpose, self.rng)
        response = self.tap("/mileage/new", form, ok=(302,))
        if response and "/mileage/" in response.location:
            self.ledger.trips[key] = purpose
            self.stats.ack("trips")
            self.follow(response)
