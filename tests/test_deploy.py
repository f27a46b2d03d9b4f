"""The example configuration in deploy/: nginx accepts it and behaves as it says (the client
address passed on, anonymous boards cached and nothing else, the request-size limit),
systemd accepts the units, gunicorn's settings load. Each check runs only where the tool
is installed (scripts/os-packages test installs nginx; systemd is on every Debian)."""

import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **options) -> requests.Response:
    return requests.get(url, timeout=10, **options)


def _nginx_test(config: Path, prefix: Path) -> None:
    done = subprocess.run(
        [NGINX, "-t", "-c", str(config), "-p", str(prefix)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def _render(folder: Path, port: int, app_port: int) -> None:
    env = os.environ | {"DUCHA_LAYOUT_PORT": str(port), "DUCHA_LAYOUT_APP_PORTS": str(app_port)}
    done = subprocess.run(
        [str(ROOT / "scripts" / "layout"), "render", str(folder)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@needs_nginx
def test_the_production_config_with_tls_passes_nginx_t(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (a certificate for the TLS block)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=ducha.example.gov.cn", "-keyout", str(tmp_path / "site.key"),
         "-out", str(tmp_path / "site.crt")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "ducha.conf").read_text()
    for path, there in {
        "/etc/ssl/ducha/ducha.example.gov.cn.crt": tmp_path / "site.crt",
        "/etc/ssl/ducha/ducha.example.gov.cn.key": tmp_path / "site.key",
        "/var/cache/nginx/ducha": tmp_path / "cache",
        "/var/log/nginx": tmp_path,
        "/srv/ducha/var/static": tmp_path / "static",
    }.items():
        assert path in site
        site = site.replace(path, str(there))
    (tmp_path / "ducha.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/ducha.conf; }}\n"
    )
    _nginx_test(tmp_path / "nginx.conf", tmp_path)


class _Echo(BaseHTTPRequestHandler):
    """An app server's stand-in: answers with what reached it, and counts the requests."""

    seen: list[str] = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append(self.path)
        body = json.dumps({"n": len(self.seen), "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Vary", "Cookie")  # as Ducha's every page
        self.send_header("Cache-Control", "max-age=0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def proxied(tmp_path):
    """scripts/layout's rendering of the config: nginx on loopback in front of _Echo."""
    app = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    _Echo.seen = []
    threading.Thread(target=app.serve_forever, daemon=True).start()
    port = _free_port()
    folder = tmp_path / "layout"
    _render(folder, port, app.server_address[1])
    _nginx_test(folder / "nginx.conf", folder)
    nginx = subprocess.Popen(
        [NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        app.shutdown()


@needs_nginx
def test_nginx_passes_the_client_address_on_and_caches_only_anonymous_boards(proxied):
    first = _get(proxied + "/board/2022-01/", headers={"X-Forwarded-For": "6.6.6.6"})
    headers = first.json()["headers"]
    # The forged entry stays on the left; nginx appends the address it saw, which Ducha
    # (DUCHA_TRUSTED_PROXIES=1) takes.
    assert headers["X-Forwarded-For"] == "6.6.6.6, 127.0.0.1"
    assert headers["X-Real-IP"] == "127.0.0.1" and headers["X-Forwarded-Proto"] == "http"
    assert first.headers["X-Cache-Status"] == "MISS"
    again = _get(proxied + "/board/2022-01/")
    assert again.headers["X-Cache-Status"] == "HIT" and again.json() == first.json()
    # Another language is another page.
    english = _get(proxied + "/board/2022-01/", cookies={"django_language": "en"})
    assert english.headers["X-Cache-Status"] == "MISS"
    # A signed-in visitor, a flash message waiting, an API token: straight to the app.
    for extra in (
        {"cookies": {"sessionid": "abc"}},
        {"cookies": {"messages": "abc"}},
        {"headers": {"Authorization": "Bearer dch_x"}},
    ):
        response = _get(proxied + "/board/2022-01/", **extra)
        assert response.headers["X-Cache-Status"] == "BYPASS", extra
    # Pages other than the public boards are never cached.
    for path in ("/me/", "/tasks/HX-001/", "/api/v1/tasks", "/board/2022-01/x"):
        assert _get(proxied + path).headers.get("X-Cache-Status") is None, path
    assert _get(proxied + "/api/v1/boards/2022-01").headers["X-Cache-Status"] == "MISS"
    assert _get(proxied + "/j/decheng/").headers["X-Cache-Status"] == "MISS"
    # Nor any POST: it reaches the app every time.
    before = len(_Echo.seen)
    for _ in range(2):
        posted = requests.post(proxied + "/board/2022-01/", timeout=10)
        assert "X-Cache-Status" not in posted.headers
    assert len(_Echo.seen) == before + 2


@needs_nginx
def test_nginx_refuses_a_body_above_the_largest_report_and_serves_no_media(proxied):
    limit = int(
        re.search(
            r"client_max_body_size (\d+)m;", (DEPLOY / "nginx" / "ducha.conf").read_text()
        ).group(1)
    )
    from django.conf import settings

    # The report page's cap (ducha/lib/requestsize.py): files × MB, plus 1 MB for the form.
    assert limit == settings.DUCHA_EVIDENCE_MAX_FILES * settings.DUCHA_EVIDENCE_MAX_MB + 1
    big = requests.post(
        proxied + "/reports/HX-001/2022-01/",
        headers={"Content-Length": str(limit * 1024 * 1024 + 1)},
        data=b"",
        timeout=10,
    )
    assert big.status_code == 413
    assert _get(proxied + "/media/evidence/x").status_code == 404


systemd_analyze = shutil.which("systemd-analyze")


@pytest.mark.skipif(systemd_analyze is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """With the code's paths pointed at this checkout (the commands must exist); any
    warning (an unknown key, a bad calendar) fails."""
    names = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        name = unit.name.replace("@.", "@8001.")
        (tmp_path / name).write_text(unit.read_text().replace("/srv/ducha/app", str(ROOT)))
        names.append(name)
    assert set(names) == {
        "ducha-web@8001.service",
        "ducha-worker.service",
        "ducha-tick.service",
        "ducha-tick.timer",
    }
    done = subprocess.run(
        [systemd_analyze, "verify", "--man=no", *(f"./{n}" for n in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stderr


def test_the_timer_ticks_every_ten_minutes_and_catches_up_after_downtime():
    timer = (DEPLOY / "systemd" / "ducha-tick.timer").read_text()
    assert "OnCalendar=*:0/10" in timer and "Persistent=true" in timer
    tick = (DEPLOY / "systemd" / "ducha-tick.service").read_text()
    assert "Type=oneshot" in tick and "ducha tick" in tick
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text()
        assert "ReadWritePaths=/srv/ducha/var /srv/ducha/shared" in text, unit.name
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text, unit.name


def test_gunicorns_settings_load_with_the_documented_defaults(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["wsgi_app"] == "ducha.wsgi:application"
    assert config["workers"] == (os.cpu_count() or 1) * 2 + 1
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"  # nginx on the same machine
    assert config["timeout"] < 75  # nginx's proxy_read_timeout: gunicorn answers first
    assert config["max_requests_jitter"] > 0
    assert "x-real-ip" in config["access_log_format"]
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == 3
