"""Twilio's Messages create call, made through the twilio client without its resource tree.

`client.messages` (the generated `MessageList`) is reached through the package of the whole
Account resource, which imports every resource of the API on the way: 92 modules and 7 MB in
each sending process, for one POST. This calls the same endpoint through the same client layers
(`twilio.base.version.Version.create`: the client's authentication, HTTP client and timeouts,
and `TwilioRestException` with Twilio's error code when the answer is an error), with the form
fields `MessageList.create` would send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter
from twilio.base import values
from twilio.base.domain import Domain
from twilio.base.version import Version
from urllib3.util.ssl_ import create_urllib3_context

if TYPE_CHECKING:
    from twilio.rest import Client

API_VERSION = "2010-04-01"
# `MessageList.create`'s keyword arguments (those we use) and the form fields they become.
FIELDS = {
    "to": "To",
    "from_": "From",
    "messaging_service_sid": "MessagingServiceSid",
    "status_callback": "StatusCallback",
    "body": "Body",
    "content_sid": "ContentSid",
    "content_variables": "ContentVariables",
}
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


class Messages:
    """`create(to=…, body=…)` as `client.messages.create` takes it; returns the message's SID."""

    def __init__(self, client: Client, base_url: str) -> None:
        self._version = Version(Domain(client, base_url.rstrip("/")), API_VERSION)
        self._uri = f"/Accounts/{client.account_sid}/Messages.json"

    def create(self, **fields: str) -> str:
        """One message; raises `TwilioRestException` when Twilio refuses it."""
        data = values.of({FIELDS[name]: value for name, value in fields.items()})
        created = self._version.create(method="POST", uri=self._uri, data=data, headers=HEADERS)
        return str(created["sid"])


class OneTLSContext(HTTPAdapter):
    """requests' transport with one TLS context for all of its connections.

    Given none, urllib3 builds a context for each new connection and loads the CA bundle into
    it: 0.8 MB a connection with certifi's 150 certificates, one for each connection the pool
    keeps (and for each it opens beyond them). Verification is the same on the shared context:
    urllib3 sets it up as for its own and loads into it the bundle requests names (a certificate
    already there is not added twice).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("ssl_context", create_urllib3_context())
        super().init_poolmanager(*args, **kwargs)
