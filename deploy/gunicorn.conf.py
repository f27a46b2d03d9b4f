"""gunicorn's settings for one Ducha app server behind nginx (deploy/nginx/ducha.conf).

    gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001

systemd runs one per port (deploy/systemd/ducha-web@.service), scripts/layout two on
loopback. Ducha's own settings come from the environment as always (.env.example); the
few of gunicorn's that a site may want to change are read from gunicorn's own variables:
WEB_CONCURRENCY (workers) and FORWARDED_ALLOW_IPS (nginx's addresses).
"""

import multiprocessing
import os

wsgi_app = "ducha.wsgi:application"
proc_name = "ducha-web"
bind = ["127.0.0.1:8001"]  # --bind on the command line replaces it

# Sync workers, one request each: Ducha's requests are short and database-bound, and nginx
# reads every upload whole before passing it on, so no worker waits on a slow client.
# gunicorn's rule of thumb for such workers: two per core, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request still running after this long is killed and the worker restarted: no page
# takes it (the A3 poster, the largest export, a 100 MB report page take seconds). nginx
# waits a little longer (proxy_read_timeout 75s), so the answer is gunicorn's.
timeout = 60
# On restart (an upgrade, `systemctl restart`), requests under way may finish this long.
graceful_timeout = 30
keepalive = 5

# A worker is replaced after about this many requests, the restarts spread out so that
# not all of a server's workers go at once: whatever memory a long day accumulates goes.
max_requests = 2000
max_requests_jitter = 200

# Only nginx may say a request came over HTTPS (X-Forwarded-Proto): its address, the
# loopback when it runs on the same machine. Ducha reads X-Forwarded-For itself, from
# DUCHA_TRUSTED_PROXIES (ducha/lib/addresses.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr (systemd's journal). The access log names the client as nginx saw
# it (X-Real-IP), then nginx's own address, and the time taken in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%({x-real-ip}i)s via %(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
