"""Gunicorn for Dudao: `gunicorn -c deploy/gunicorn.conf.py config.wsgi` (what `make serve` runs).

Every value comes from the environment (docs/deploy.md has the table):
  BIND                 address to listen on; default 127.0.0.1:$PORT (PORT default 8000)
  WEB_CONCURRENCY      worker processes; default 2 x CPUs + 1, at most 8
  GUNICORN_THREADS     threads per worker; default 4 (threads keep connections alive between
                       requests from one client; 1 selects the plain sync worker)
  GUNICORN_TIMEOUT     seconds a request may take before its worker is restarted; default 60
                       (a large report PDF takes seconds, never a minute)
  FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-* headers; default 127.0.0.1
"""

import multiprocessing
import os

bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Each worker is replaced after about a thousand requests, so a slow leak never grows for long.
max_requests = 1000
max_requests_jitter = 100
# Load Django once in the master (faster start, shared memory); each worker then opens its own
# database connections (post_fork).
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
# Heartbeat files in memory, not on a disk that may stall (containers mount /dev/shm).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
# Client (as the proxy reports it), user, time, request line, status, bytes, seconds taken,
# referrer, user agent.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(u)s %(t)s "%(r)s" %(s)s %(B)s %(L)ss "%(f)s" "%(a)s"'
proc_name = "dudao"
# Stopped and reloaded by signals (systemd, compose); two servers on one host would otherwise share
# the default control socket path.
control_socket_disable = True


def post_fork(server, worker):
    """A connection opened while the master imported the app must not be shared by two workers."""
    from django.db import connections

    connections.close_all()
