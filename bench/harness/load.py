"""Load generation: wrk when installed (else a multi-process keep-alive client), and the
comment-writing clients (a fresh form per client, as a browser would fetch it)."""
from __future__ import annotations

import http.client
import json
import multiprocessing
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

THREADS = 2
CONNECTIONS = 8


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def parse_wrk(output: str) -> tuple[float, dict]:
    """Requests per second and errors (per kind) from wrk's report."""
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise RuntimeError("wrk printed no rate:\n" + output)
    errors: dict = {}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors["non-2xx/3xx"] = int(non2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)
    if sockets:
        for kind, count in zip(("connect", "read", "write", "timeout"), sockets.groups()):
            # A sync gunicorn worker closes each connection after answering, which wrk may
            # count as a read error on its reuse; those are reconnections, not failed answers.
            if int(count) and kind != "read":
                errors[f"socket {kind}"] = int(count)
    return float(match.group(1)), errors


def measure_get(port: int, path: str, seconds: float) -> tuple[float, dict]:
    """GET requests per second at 2 threads and 8 connections."""
    if wrk_available():
        run = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}",
                              f"-d{max(1, round(seconds))}s", f"http://127.0.0.1:{port}{path}"],
                             capture_output=True, text=True, check=True)
        return parse_wrk(run.stdout)
    from bench import public_pages
    rate, errors = public_pages.measure(port, path, CONNECTIONS, seconds)
    return rate, ({"non-200": errors} if errors else {})


# --- comment writers ---------------------------------------------------------------------------

class _FormParser(HTMLParser):
    """The fields of the form whose action ends in ``/comments`` (a post's comment form)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"action": attrs.get("action", ""), "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button"):
                return
            self._current["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self._current is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._current["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._current = None


def comment_form(html: str) -> tuple[str, dict]:
    """(action, fields) of the page's comment form; raises if there is none."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        action = form["action"].split("#", 1)[0].replace("&amp;", "&")
        if action.split("?", 1)[0].rstrip("/").endswith("/comments"):
            return action, form["fields"]
    raise RuntimeError("the post page has no comment form")


def _cookies(response, jar: dict) -> None:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            if "=" in pair:
                key, val = pair.split("=", 1)
                jar[key.strip()] = val.strip()


def _cookie_header(jar: dict) -> dict:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


def _fetch_form(conn, post_path: str, jar: dict) -> tuple[str, dict]:
    conn.request("GET", post_path, headers=_cookie_header(jar))
    response = conn.getresponse()
    html = response.read().decode("utf-8", "replace")
    _cookies(response, jar)
    if response.status != 200:
        raise RuntimeError(f"GET {post_path} answered {response.status}")
    return comment_form(html)


def comment_text(kind: str, client: int, n: int, run_tag: str) -> str:
    """A plain, friendly comment that screening has no reason to flag, unique per request."""
    return (f"Thank you for the update about the parade and the road closures. "
            f"Reader {client} note {n} ({kind} {run_tag}).")


def _beatdesk_writer(port, post_path, seconds, client, run_tag, results):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    jar: dict = {}
    acknowledged, errors, n = [], Counter(), 0
    try:
        action, fields = _fetch_form(conn, post_path, jar)
    except (OSError, RuntimeError) as exc:
        results.put(([], {f"form: {type(exc).__name__}": 1}))
        return
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        text = comment_text("beatdesk", client, n, run_tag)
        data = {**fields, "name": f"Reader {client}", "email": f"reader{client}@example.org",
                "body": text, "accept_terms": "y", "website": ""}
        try:
            conn.request("POST", action, body=urlencode(data), headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{port}",
                "Referer": f"http://127.0.0.1:{port}{post_path}", **_cookie_header(jar)})
            response = conn.getresponse()
            response.read()
            _cookies(response, jar)
        except OSError as exc:
            errors[f"socket {type(exc).__name__}"] += 1
            conn.close()
            continue
        if 200 <= response.status < 400:
            acknowledged.append(text)
        else:
            errors[response.status] += 1
            if response.status == 400:  # e.g. the form's token expired: fetch a fresh form
                try:
                    action, fields = _fetch_form(conn, post_path, jar)
                except (OSError, RuntimeError):
                    pass
    conn.close()
    results.put((acknowledged, dict(errors)))


def _isso_writer(port, uri, seconds, client, run_tag, results):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    acknowledged, errors, n = [], Counter(), 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        text = comment_text("isso", client, n, run_tag)
        body = json.dumps({"text": text, "author": f"Reader {client}",
                           "email": f"reader{client}@example.org"})
        try:
            conn.request("POST", f"/new?uri={uri}", body=body, headers={
                "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"})
            response = conn.getresponse()
            response.read()
        except OSError as exc:
            errors[f"socket {type(exc).__name__}"] += 1
            conn.close()
            continue
        if 200 <= response.status < 400:
            acknowledged.append(text)
        else:
            errors[response.status] += 1
    conn.close()
    results.put((acknowledged, dict(errors)))


def write_comments(kind: str, port: int, target: str, seconds: float, run_tag: str,
                   clients: int = CONNECTIONS) -> dict:
    """``clients`` concurrent writers for ``seconds``; returns the rate of acknowledged
    comments, their texts and the failed answers per status."""
    worker = _beatdesk_writer if kind == "beatdesk" else _isso_writer
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker,
                                     args=(port, target, seconds, c, run_tag, queue))
             for c in range(1, clients + 1)]
    for proc in procs:
        proc.start()
    totals = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    acknowledged = [t for texts, _ in totals for t in texts]
    errors: Counter = Counter()
    for _, errs in totals:
        errors.update(errs)
    return {"rate": len(acknowledged) / seconds, "acknowledged": acknowledged,
            "errors": dict(errors)}


def isso_post(port: int, uri: str, text: str, author: str, title: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = {"text": text, "author": author}
    if title:
        payload["title"] = title
    conn.request("POST", f"/new?uri={uri}", body=json.dumps(payload),
                 headers={"Content-Type": "application/json",
                          "Origin": f"http://127.0.0.1:{port}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status
