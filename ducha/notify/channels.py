"""The external channels: e-mail over SMTP and the group robots of WeCom, DingTalk and
Feishu, each in the message format its vendor documents. Plain I/O on an `Envelope` built
beforehand: nothing here touches the database, so the worker runs these in threads.

Formats (the vendors' robot documentation):
- WeCom (企业微信群机器人): POST {"msgtype": "markdown", "markdown": {"content": …}} to the
  webhook; content at most 4096 bytes; answers {"errcode": 0, "errmsg": "ok"}; 20 posts a
  minute per robot. No signature: the webhook's key is the secret.
- DingTalk (钉钉自定义机器人), signed mode (加签): timestamp in milliseconds; sign =
  urlEncode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), appended to the
  webhook as &timestamp=…&sign=…; POST {"msgtype": "markdown", "markdown": {"title": …,
  "text": …}}; answers {"errcode": 0, "errmsg": "ok"}; 20 posts a minute per robot.
- Feishu (飞书自定义机器人), signature check (签名校验): timestamp in seconds; sign =
  base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")); POST {"timestamp": "…",
  "sign": "…", "msg_type": "text", "content": {"text": …}}; answers {"code": 0, "msg":
  "success"}; 100 posts a minute and 5 a second per robot; a body of at most 20 KB.
Both signatures allow an hour's clock difference: they use the real clock, never a pinned
demo date.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import smtplib
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from ducha.notify.models import Channel, robot_host_allowed

# How many posts a robot takes in how many seconds (the vendors' limits).
ROBOT_LIMITS: dict[str, tuple[tuple[int, float], ...]] = {
    Channel.WECOM: ((20, 60.0),),
    Channel.DINGTALK: ((20, 60.0),),
    Channel.FEISHU: ((100, 60.0), (5, 1.0)),
}
# Vendor answers that mean "later" rather than "never": busy, or too many posts.
RETRY_CODES = {
    Channel.WECOM: {-1, 45009},
    Channel.DINGTALK: {-1, 130101},
    Channel.FEISHU: {11232},
}
MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class Envelope:
    """One delivery as the sender needs it: where, with what secret, and the words."""

    pk: int
    key: str
    channel: str
    address: str
    secret: str
    subject: str
    body: str
    link: str  # the message's page on the site, absolute; blank when the site has no URL
    html: str = ""  # e-mail only


class Failure(Exception):
    """A delivery that did not go through: `reason` for the log (it names why), and whether
    trying again could help."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason[:500]
        self.permanent = permanent


def deliver(envelope: Envelope, timeout: float) -> None:
    """Send one delivery, or raise Failure. Every network wait is bounded by `timeout`."""
    if envelope.channel == Channel.EMAIL:
        send_email(envelope, timeout)
    elif envelope.channel == Channel.WECOM:
        post_json(envelope.address, wecom_payload(envelope), timeout, Channel.WECOM)
    elif envelope.channel == Channel.DINGTALK:
        url, payload = dingtalk_request(envelope, int(time.time() * 1000))
        post_json(url, payload, timeout, Channel.DINGTALK)
    elif envelope.channel == Channel.FEISHU:
        payload = feishu_payload(envelope, int(time.time()))
        post_json(envelope.address, payload, timeout, Channel.FEISHU)
    else:
        raise Failure(f"未知渠道 {envelope.channel}", permanent=True)


# Formats --------------------------------------------------------------------------------------


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, with an ellipsis when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def _markdown(envelope: Envelope, heading: str) -> str:
    text = f"{heading}{envelope.subject}\n\n{envelope.body}"
    return text + (f"\n\n[查看详情]({envelope.link})" if envelope.link else "")


def wecom_payload(envelope: Envelope) -> dict:
    content = _markdown(envelope, "### ")
    return {"msgtype": "markdown", "markdown": {"content": fit(content, 4096)}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HmacSHA256(secret, "timestamp\\nsecret")), before the URL encoding."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk_request(envelope: Envelope, timestamp_ms: int) -> tuple[str, dict]:
    url = envelope.address
    if envelope.secret:
        sign = quote_plus(dingtalk_sign(envelope.secret, timestamp_ms))
        url += f"{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"
    text = fit(_markdown(envelope, "#### "), 16000)
    payload = {"msgtype": "markdown", "markdown": {"title": envelope.subject[:64], "text": text}}
    return url, payload


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HmacSHA256(key="timestamp\\nsecret", message empty))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_payload(envelope: Envelope, timestamp_s: int) -> dict:
    text = f"{envelope.subject}\n{envelope.body}" + (f"\n{envelope.link}" if envelope.link else "")
    payload: dict = {}
    if envelope.secret:
        payload = {"timestamp": str(timestamp_s), "sign": feishu_sign(envelope.secret, timestamp_s)}
    return payload | {"msg_type": "text", "content": {"text": fit(text, 16000)}}


# HTTP -----------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a robot that answers with a redirect is misconfigured: said, not followed


_opener = urllib.request.build_opener(_NoRedirect)

NAMES = {Channel.WECOM: "企业微信", Channel.DINGTALK: "钉钉", Channel.FEISHU: "飞书"}


def post_json(url: str, payload: dict, timeout: float, channel: str) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise Failure("群机器人地址不是 http/https 网址", permanent=True)
    if not robot_host_allowed(url):
        raise Failure("群机器人地址的主机不在 DUCHA_ROBOT_HOSTS 之内，未发送", permanent=True)
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) alone, checked above
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Ducha"},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            answer = response.read(MAX_ANSWER)
    except urllib.error.HTTPError as e:
        retry = e.code in (408, 429) or e.code >= 500
        raise Failure(f"HTTP {e.code} {e.reason}", permanent=not retry) from None
    except TimeoutError:
        raise Failure(f"超时：{timeout:g} 秒内没有回应") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise Failure(f"超时：{timeout:g} 秒内没有连上") from None
        raise Failure(f"无法连接：{e.reason}") from None
    except (http.client.HTTPException, OSError) as e:
        raise Failure(f"连接中断：{type(e).__name__} {e}") from None
    try:
        said = json.loads(answer or b"{}")
    except ValueError:
        return  # a 2xx that is not JSON (a proxy, a test receiver): taken as delivered
    if not isinstance(said, dict):
        return
    code = said.get("errcode", said.get("code", said.get("StatusCode", 0)))
    if code in (0, None, "0"):
        return
    message = said.get("errmsg") or said.get("msg") or said.get("StatusMessage") or ""
    retry = code in RETRY_CODES.get(channel, ())
    raise Failure(f"{NAMES[channel]}返回错误 {code}：{message}", permanent=not retry)


# E-mail ---------------------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The same Message-ID for the same delivery key: a mail system that sees it twice may
    drop the copy."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@ducha>"


_mail = threading.local()  # each sending thread's open SMTP connection
_opened: list = []
_opened_lock = threading.Lock()


def _smtp_backend() -> bool:
    return settings.EMAIL_BACKEND.endswith("smtp.EmailBackend")


def _close(connection) -> None:
    with contextlib.suppress(Exception):  # closing a broken connection: nothing left to do
        connection.close()


def _mail_connection(timeout: float):
    """This thread's SMTP connection, opened once and kept for the drain (a handshake, and
    TLS, per e-mail would cost more than the e-mail): checked with NOOP before reuse."""
    if not _smtp_backend():
        return get_connection(fail_silently=False, timeout=timeout)
    connection = getattr(_mail, "connection", None)
    if connection is not None:
        try:
            if connection.connection is not None and connection.connection.noop()[0] == 250:
                return connection
        except (smtplib.SMTPException, OSError):
            pass
        _close(connection)
    connection = get_connection(fail_silently=False, timeout=timeout)
    connection.open()  # open here: a backend that opens for one send closes after it
    _mail.connection = connection
    with _opened_lock:
        _opened.append(connection)
    return connection


def close_mail_connections() -> None:
    """At the end of a drain: every SMTP connection its threads opened, closed."""
    with _opened_lock:
        connections, _opened[:] = list(_opened), []
    for connection in connections:
        _close(connection)


def send_email(envelope: Envelope, timeout: float) -> None:
    if _smtp_backend() and not settings.DUCHA_SMTP_HOST:
        raise Failure("本系统未配置邮件服务器（DUCHA_SMTP_HOST）", permanent=True)
    text = envelope.body + (f"\n\n{envelope.link}" if envelope.link else "")
    try:
        connection = _mail_connection(timeout)
        mail = EmailMultiAlternatives(
            subject=envelope.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[envelope.address],
            connection=connection,
            headers={"Message-ID": message_id(envelope.key)},
        )
        if envelope.html:
            mail.attach_alternative(envelope.html, "text/html")
        try:
            mail.send()
        except Exception:
            _close(connection)  # whatever went wrong, this connection is not used again
            _mail.connection = None
            raise
    except smtplib.SMTPRecipientsRefused as e:
        refused = "; ".join(f"{code} {why!r}" for code, why in e.recipients.values())
        raise Failure(f"邮件服务器拒收该地址：{refused}", permanent=True) from None
    except smtplib.SMTPResponseException as e:
        said = e.smtp_error
        said = said.decode(errors="replace") if isinstance(said, bytes) else said
        raise Failure(
            f"邮件服务器答复 {e.smtp_code} {said}", permanent=e.smtp_code >= 500
        ) from None
    except TimeoutError:
        raise Failure(f"超时：邮件服务器 {timeout:g} 秒内没有回应") from None
    except (smtplib.SMTPException, OSError) as e:
        raise Failure(f"邮件服务器不可用：{type(e).__name__} {e}") from None
