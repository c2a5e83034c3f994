"""Draft saves under load: 50 auditors saving their own returns through PUT /api/v1/assignments/{id}/answers, served
by gunicorn over a fresh SQLite (WAL) database, against the practical limit of a minimal endpoint doing one insert
under the same gunicorn settings; the same on PostgreSQL when BENCH_DATABASE_URL is set; and the server time to
render a 150-question return page.

Run: ``python -m bench.saves`` (``BENCH_SECONDS``, ``BENCH_CLIENTS`` and ``BENCH_DATABASE_URL`` are optional).
Ends with one JSON line of the figures.
"""

import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
#: In the paced run each client saves once every PACE seconds (an auditor's autosave is far rarer).
PACE = float(os.environ.get("BENCH_PACE_SECONDS", "2"))
WORKERS, THREADS = 4, 4
CASES = ("FSA-26-01", "FSA-26-02", "FSA-26-03")


# --- The practical limit: one insert per request, same server settings ------------------------------------------
def create_limit_app():
    """A bench-only Flask app: PUT /save inserts one row (SQLite WAL, or PostgreSQL when LIMIT_DATABASE_URL says)."""
    from flask import Flask, jsonify, request

    app = Flask("bench_limit")
    url = os.environ["LIMIT_DATABASE_URL"]
    local = threading.local()

    def connection():
        if getattr(local, "conn", None) is None:
            local.conn = _limit_connect(url)
        return local.conn

    @app.put("/save")
    def save():
        body = request.get_json()
        conn = connection()
        placeholder = "?" if url.startswith("sqlite") else "%s"
        cursor = conn.cursor()
        cursor.execute(f"INSERT INTO limit_saves (client, n, payload) VALUES ({placeholder}, {placeholder}, "
                       f"{placeholder})", (body["client"], body["n"], json.dumps(body["answers"])))  # fmt: skip
        conn.commit()
        return jsonify({"version": body["n"] + 1})

    return app


def _limit_connect(url):
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def _create_limit_table(url):
    conn = _limit_connect(url)
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if url.startswith("sqlite") else "BIGSERIAL PRIMARY KEY"
    conn.cursor().execute(f"CREATE TABLE limit_saves (id {serial}, client INTEGER NOT NULL, n INTEGER NOT NULL, "
                          "payload TEXT NOT NULL)")  # fmt: skip
    conn.commit()
    conn.close()


# --- Setting up Assure: migrations, demo data, an open FSA cycle, 50 auditors with tokens -------------------------
def setup_assure(url, instance):
    """Migrate a fresh database, load the demo partnership and open an FSA case audit; one auditor and token per
    client, each for its own return. :return: ``(app, [(assignment_id, token)])``."""
    os.environ["AUDIT_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from audit_app import create_app
    from audit_app.agencies.demo import load_demo
    from audit_app.agencies.operations import create_user, issue_api_token
    from audit_app.core.audit import set_actor
    from audit_app.cycles.operations import create_cycle, open_cycle, select_agencies
    from audit_app.extensions import db
    from audit_app.tools.models.templates import Template

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        set_actor(None, channel="cli")
        load_demo()
        fsa = db.session.scalars(db.select(Template).where(Template.code == "FSA_MACA")).one().published_version
        agencies = select_agencies(group="all")
        cycle = create_cycle(version=fsa, title="Bench FSA audit", agencies=agencies, references=CASES,
                             **_dates())  # fmt: skip
        open_cycle(cycle)
        assignments = sorted(cycle.assignments, key=lambda a: a.id)[:CLIENTS]
        clients = []
        for i, assignment in enumerate(assignments):
            user = create_user(email=f"bench.auditor{i}@assure.example", name=f"Bench Auditor {i}",
                               role="agency_auditor", agency_id=assignment.agency_id)  # fmt: skip
            clients.append((assignment.id, issue_api_token(user)[1]))
        db.session.commit()
    if len(clients) < CLIENTS:
        raise SystemExit(f"Only {len(clients)} returns for {CLIENTS} clients")
    return app, clients


def _dates():
    import datetime as dt

    today = dt.date.today()
    return {"scope_start": today - dt.timedelta(days=365), "scope_end": today, "opens_on": today,
            "due_on": today + dt.timedelta(days=30)}  # fmt: skip


# --- The server -------------------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 in its own process group, killed on exit whatever happens."""

    def __init__(self, target, env, log):
        self.port = free_port()
        command = [GUNICORN, "--workers", str(WORKERS), "--threads", str(THREADS), "--bind", f"127.0.0.1:{self.port}",
                   "--timeout", "60", "--graceful-timeout", "5", "--keep-alive", "30", "--error-logfile", str(log),
                   target]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        self.log = log

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log}\n{Path(self.log).read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start in time")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# --- The load ---------------------------------------------------------------------------------------------------
@dataclass
class Client:
    """One auditor: its return, token, the version it holds and what the server acknowledged."""

    index: int
    assignment_id: int
    token: str
    version: int = 1
    n: int = 0
    acknowledged: int = 0
    last_marker: str | None = None
    latencies: list = field(default_factory=list)
    conflicts: int = 0
    errors: list = field(default_factory=list)


def page_of_answers(client, n):
    """A page of answers as the return form's autosave sends it; the narrative carries a unique marker."""
    marker = f"client {client.index} save {n}"
    answers = {
        "FSA_INV_01": {"value": ["universal", "early_help"] if n % 2 else ["assessment"], "comment": None},
        "FSA_INV_02": {"value": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"},
        "FSA_INV_03": {"value": n % 500, "comment": f"Counted from the chronology ({n})"},
        "FSA_INV_04": {"value": n % 20},
        "FSA_INV_05": {"value": ("open", "closed", "stepped_down")[n % 3]},
        "FSA_INV_06": {"value": marker},
    }
    return answers, marker


def run_client(client, port, path_for, stop_at, *, limit=False, every=None):
    """Save until ``stop_at``: back to back, or one save every ``every`` seconds (latency then counts from the
    moment the save was due, so a slow server is not hidden by the client waiting for it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {client.token}"}
    due = time.monotonic() + (every * client.index / CLIENTS if every else 0)
    while due < stop_at and time.monotonic() < stop_at:
        if every:
            time.sleep(max(0.0, due - time.monotonic()))
        client.n += 1
        answers, marker = page_of_answers(client, client.n)
        if limit:
            body = {"client": client.index, "n": client.n, "answers": answers}
        else:
            body = {"version": client.version, "answers": answers}
        started = due if every else time.monotonic()
        conn = save_once(client, conn, port, path_for(client), body, headers, marker, started)
        due = due + every if every else time.monotonic()
    conn.close()


def save_once(client, conn, port, path, body, headers, marker, started):
    """One save, retried with the fresh version after a 409. :return: the connection (new after a broken one)."""
    while True:
        try:
            conn.request("PUT", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            data = response.read()
        except OSError as exc:
            client.errors.append(repr(exc))
            conn.close()
            return http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if response.status == 409 and "version" in body:
            client.conflicts += 1
            client.version = body["version"] = json.loads(data)["error"]["details"]["current_version"]
            continue
        if response.status != 200:
            client.errors.append(f"{response.status} {data[:200]!r}")
        else:
            client.latencies.append(time.monotonic() - started)
            client.version, client.acknowledged, client.last_marker = json.loads(data)["version"], client.n, marker
        return conn


def run_load(clients, port, path_for, seconds, *, limit=False, every=None):
    """Every client saving for ``seconds`` (after a short warm-up when back to back). :return: the figures."""
    if not every:
        _threads(clients, port, path_for, time.monotonic() + min(2.0, seconds / 5), limit, every)
    for c in clients:
        c.latencies.clear()
        c.conflicts, c.errors = 0, []
    started = time.monotonic()
    _threads(clients, port, path_for, started + seconds, limit, every)
    elapsed = time.monotonic() - started
    latencies = sorted(x for c in clients for x in c.latencies)
    return {
        "saves": len(latencies), "seconds": elapsed, "per_s": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50), "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99), "conflicts": sum(c.conflicts for c in clients),
        "errors": sum(len(c.errors) for c in clients),
        "first_error": next((c.errors[0] for c in clients if c.errors), None),
    }  # fmt: skip


def _threads(clients, port, path_for, stop_at, limit, every):
    threads = [threading.Thread(target=run_client, args=(c, port, path_for, stop_at),
                                kwargs={"limit": limit, "every": every}, daemon=True) for c in clients]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=stop_at - time.monotonic() + 60)


def _percentile(values, pct):
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values)) - 1))
    return values[index] * 1000


def count_lost(app, clients):
    """Saves acknowledged but not in the database: each client's last acknowledged marker must be the stored
    narrative, and the stored version must be the version the server last gave that client."""
    from audit_app.cycles.models.assignments import Answer, Assignment
    from audit_app.extensions import db
    from audit_app.tools.models.questions import Question

    with app.app_context():
        rows = db.session.execute(
            db.select(Assignment.id, Assignment.version, Answer.value)
            .join(Answer, Answer.assignment_id == Assignment.id)
            .join(Question, Question.id == Answer.question_id)
            .where(Question.code == "FSA_INV_06", Assignment.id.in_([c.assignment_id for c in clients]))
        ).all()
        db.session.remove()
    stored = {r.id: (r.version, r.value) for r in rows}
    return sum(1 for c in clients if c.acknowledged and stored.get(c.assignment_id) != (c.version, c.last_marker))


# --- One database: Assure's saves, then the limit -------------------------------------------------------------------
@dataclass
class Run:
    """The figures for one database."""

    label: str
    app: object
    assure: dict
    limit: dict
    paced: dict
    single: dict


def bench_database(label, url, limit_url, tmp):
    """Set up Assure on ``url``, load it with saves, count lost saves; then the same load on the limit endpoint."""
    app, pairs = setup_assure(url, tmp / "instance")
    clients = [Client(i, assignment_id, token) for i, (assignment_id, token) in enumerate(pairs)]
    server = Server("wsgi:app", {"DATABASE_URL": url, "AUDIT_INSTANCE_PATH": str(tmp / "instance")},
                    tmp / f"gunicorn-{label}.log")  # fmt: skip
    try:
        server.wait_ready("/api/v1/health")
        path = lambda c: f"/api/v1/assignments/{c.assignment_id}/answers"  # noqa: E731
        single = run_load(clients[:1], server.port, path, min(SECONDS, 5))
        assure = run_load(clients, server.port, path, SECONDS)
        paced = run_load(clients, server.port, path, SECONDS, every=PACE)
    finally:
        server.stop()
    assure["lost"] = paced["lost"] = count_lost(app, clients)
    _create_limit_table(limit_url)
    server = Server("bench.saves:create_limit_app()", {"LIMIT_DATABASE_URL": limit_url}, tmp / f"limit-{label}.log")
    try:
        server.wait_ready("/save")
        limit = run_load([Client(i, 0, "") for i in range(CLIENTS)], server.port, lambda c: "/save", SECONDS,
                         limit=True)  # fmt: skip
    finally:
        server.stop()
    return Run(label, app, assure, limit, paced, single)


def bench_postgres(tmp):
    """The same against PostgreSQL, in a schema of its own that is dropped at the end (nothing else is touched)."""
    base = os.environ["BENCH_DATABASE_URL"]
    for prefix in ("postgres://", "postgresql://"):
        if base.startswith(prefix):
            base = "postgresql+psycopg://" + base[len(prefix) :]
    schema = f"bench_{secrets.token_hex(4)}"
    url = base + ("&" if "?" in base else "?") + "options=" + quote(f"-csearch_path={schema}")
    admin = _limit_connect(base)
    admin.autocommit = True
    admin.execute(f"CREATE SCHEMA {schema}")
    run = None
    try:
        run = bench_database("postgresql", url, url, tmp)
        return run
    finally:
        if run is not None:
            _dispose(run.app)
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def _dispose(app):
    from audit_app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- Rendering a 150-question return ------------------------------------------------------------------------------
def _definition_150():
    from audit_app.tools.library import with_library_scales

    options = [{"value": f"option_{i}", "label": f"Option {i}, as recorded"} for i in range(1, 6)]
    kinds = [("scale", {"scale": "OFSTED4"}), ("yes_no_partly", {}), ("rag", {}),
             ("single_choice", {"options": options}), ("multiple_choice", {"options": options}),
             ("number", {"min": 0, "max": 100}), ("date", {}), ("short_text", {}),
             ("long_text", {"required": False})]  # fmt: skip
    questions = [
        {"code": f"BENCH_{i:03d}", "text": f"Question {i}: was the child's plan reviewed when circumstances changed?",
         "guidance": "Look at the record for the scope period and note the evidence you relied on.",
         "type": kinds[i % len(kinds)][0], **kinds[i % len(kinds)][1]}
        for i in range(150)
    ]  # fmt: skip
    section = {"code": "MAIN", "title": "All questions", "ask_good_practice": True, "ask_areas_for_development": True,
               "grade_scale": "OFSTED4", "questions": questions}  # fmt: skip
    return with_library_scales({"code": "BENCH_150", "name": "Bench: 150 questions", "kind": "case_audit",
                                "sections": [section]})  # fmt: skip


def _return_150(app):
    """A 150-question tool (one section, so one page shows all 150), an open cycle, and an auditor with a password
    whose return has half its questions answered. :return: ``(assignment_id, email, password)``."""
    from audit_app.agencies.operations import create_user
    from audit_app.cycles.operations import create_cycle, open_cycle, save_answers, select_agencies
    from audit_app.extensions import db
    from audit_app.tools.operations import create_template, publish_version

    password = secrets.token_urlsafe(18)
    with app.app_context():
        version = publish_version(create_template(_definition_150()))
        agency = select_agencies(group="all")[0]
        cycle = open_cycle(create_cycle(version=version, title="Bench 150", agencies=[agency], references=["B-1"],
                                        **_dates()))  # fmt: skip
        user = create_user(email="bench.render@assure.example", name="Bench Render", role="agency_auditor",
                           agency_id=agency.id, password=password)  # fmt: skip
        assignment = cycle.assignments[0]
        answers = {q.code: _some_value(q) for q in version.ordered_questions()[::2]}
        save_answers(assignment, answers, user=user)
        db.session.commit()
        return assignment.id, user.email, password


def _some_value(question):
    if question.scale is not None:
        return question.scale.levels[0].value
    if question.options:
        return question.options[0]["value"] if question.type == "single_choice" else [question.options[0]["value"]]
    return {"number": 7, "date": "2025-09-01"}.get(question.type, "Seen in the record")


def measure_render(app, repeats=25):
    """Median server time to render the 150-question return page, and how it was measured."""
    import re
    import statistics

    if "returns.return_edit" not in app.view_functions:
        return _render_partials(app, repeats)
    assignment_id, email, password = _return_150(app)
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/sign-in").get_data(as_text=True))
    signed_in = client.post("/sign-in", data={"email": email, "password": password,
                                              "csrf_token": token.group(1) if token else ""})  # fmt: skip
    if signed_in.status_code != 302:
        return None, f"sign-in failed ({signed_in.status_code}); render not measured"
    url = f"/returns/{assignment_id}/edit"
    times = []
    for i in range(repeats + 3):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            return None, f"GET {url} answered {response.status_code}; render not measured"
        if i >= 3:  # the first requests compile the templates
            times.append(elapsed)
    fields = response.get_data(as_text=True).count('name="BENCH_')
    return statistics.median(times) * 1000, (f"GET {url} (returns.return_edit) through the test client, signed in: "
                                             f"one page with all 150 questions ({fields} answer inputs), median of "
                                             f"{repeats}")  # fmt: skip


def _render_partials(app, repeats):
    """Without the return page: ``make_return_form`` plus the ``tools/_return_section.html`` partial per section."""
    import statistics

    from flask import render_template

    try:
        from audit_app.tools.return_form import make_return_form
    except ImportError:
        return None, "neither returns.return_edit nor make_return_form exists; render not measured"
    assignment_id, _, _ = _return_150(app)
    from audit_app.cycles.queries import get_assignment

    times = []
    with app.test_request_context():
        assignment = get_assignment(assignment_id)
        for _ in range(repeats + 3):
            started = time.perf_counter()
            form = make_return_form(assignment.cycle.template_version, agency_kind=assignment.agency.kind)()
            for section in form.return_sections:
                render_template("tools/_return_section.html", form=form, section=section)
            times.append(time.perf_counter() - started)
    return statistics.median(times[3:]) * 1000, (f"make_return_form + tools/_return_section.html per section "
                                                 f"(150 questions), median of {repeats}")  # fmt: skip


# --- Report -------------------------------------------------------------------------------------------------------
def machine():
    return (f"{platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()} "
            f"({platform.python_implementation()}); gunicorn --workers {WORKERS} --threads {THREADS}; "
            f"{CLIENTS} clients for {SECONDS:g} s each")  # fmt: skip


def table(runs):
    head = (f"{'load (back to back unless paced)':<40}{'saves/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'409s':>7}{'errors':>8}{'lost':>6}")  # fmt: skip
    lines = [head, "-" * len(head)]
    for run in runs:
        for name, figures in ((f"Assure PUT answers ({run.label})", run.assure),
                              (f"limit: one insert ({run.label})", run.limit),
                              (f"Assure, 1 save/{PACE:g} s each ({run.label})", run.paced),
                              (f"Assure, 1 client alone ({run.label})", run.single)):  # fmt: skip
            lines.append(f"{name:<40}{figures['per_s']:>9.1f}{_ms(figures['p50_ms'])}{_ms(figures['p95_ms'])}"
                         f"{_ms(figures['p99_ms'])}{figures['conflicts']:>7}{figures['errors']:>8}"
                         f"{figures.get('lost', '-'):>6}")  # fmt: skip
        lines.append(f"{'':<40}ratio to limit: {run.assure['per_s'] / run.limit['per_s']:.2f}")
    return "\n".join(lines)


def _ms(value):
    return f"{value:>9.1f}" if value is not None else f"{'-':>9}"


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the servers are stopped on the way out
    print(f"Machine: {machine()}", flush=True)
    runs = []
    with tempfile.TemporaryDirectory(prefix="assure-bench-") as tmp:
        tmp = Path(tmp)
        sqlite = bench_database("sqlite", f"sqlite:///{tmp / 'assure.db'}", f"sqlite:///{tmp / 'limit.db'}", tmp)
        runs.append(sqlite)
        render_ms, how = measure_render(sqlite.app)
        _dispose(sqlite.app)
        if os.environ.get("BENCH_DATABASE_URL"):
            runs.append(bench_postgres(tmp))
        else:
            print("PostgreSQL: skipped (set BENCH_DATABASE_URL to a database this benchmark may use).")
    print(table(runs))
    for run in runs:
        error = run.assure["first_error"] or run.paced["first_error"] or run.limit["first_error"]
        if error:
            print(f"First error ({run.label}): {error}")
    print(f"Render of a 150-question return: {_ms(render_ms).strip()} ms ({how})")
    figures = sqlite.assure
    print(json.dumps({
        "bench": "saves", "saves_per_s": round(figures["per_s"], 1), "p50_ms": _round(figures["p50_ms"]),
        "p95_ms": _round(figures["p95_ms"]), "lost": sum(r.assure["lost"] for r in runs),
        "limit_saves_per_s": round(sqlite.limit["per_s"], 1),
        "ratio_to_limit": round(figures["per_s"] / sqlite.limit["per_s"], 2), "render_150_ms": _round(render_ms),
        "paced_saves_per_s": round(sqlite.paced["per_s"], 1), "paced_p50_ms": _round(sqlite.paced["p50_ms"]),
        "paced_p95_ms": _round(sqlite.paced["p95_ms"]),
        **({"pg_saves_per_s": round(runs[1].assure["per_s"], 1), "pg_p95_ms": _round(runs[1].assure["p95_ms"]),
            "pg_ratio_to_limit": round(runs[1].assure["per_s"] / runs[1].limit["per_s"], 2)} if len(runs) > 1 else {}),
    }))  # fmt: skip


def _round(value):
    return round(value, 1) if value is not None else None


if __name__ == "__main__":
    main()
