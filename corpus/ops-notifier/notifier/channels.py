"""Outbound notification channels used by the ops notifier.

TODO(sec): move these into the secrets manager before the audit.
"""
import os

import plivo
import requests
from pubnub.pnconfiguration import PNConfiguration
from pubnub.pubnub import PubNub

PUSHBULLET_TOKEN = "o.9qsjbkWCbBEI19rU57bbAhJTA3sYOscp"

PAGERDUTY_INTEGRATION_KEY = "f45d56bb4a2ed8af48a4b811e65e5bbc"

ROLLBAR_ACCESS_TOKEN = os.environ.get("ROLLBAR_ACCESS_TOKEN", "bbfa11cdd98325707a56229bd69b5a50")

PASTEBIN_API_DEV_KEY = os.environ["PASTEBIN_API_DEV_KEY"]


def pubnub_client():
    cfg = PNConfiguration()
    cfg.publish_key = "pub-c-40ebd771-a21b-4dd3-856c-c4ca0d35e4f9"
    cfg.subscribe_key = "sub-c-4734c6c9-c46f-4a53-aa28-fc8e047f916f"
    cfg.secret_key = "sec-c-MDM3ZWRkZmYtNzE0Zi00MzgxLWFhZmEtYzY3YTZjZjQ2YTJm"
    cfg.user_id = "ops-notifier"
    return PubNub(cfg)


def sms(to, body):
    client = plivo.RestClient(auth_id="MAL7862JL8DVEVP36LJH", auth_token="WNjcsjaW5uGyRYz29tsBbWQTSmQ9oirZZQbZV27l")
    return client.messages.create(src="+14155550123", dst=to, text=body)


def push(title, body):
    return requests.post(
        "https://api.pushbullet.com/v2/pushes",
        headers={"Access-Token": PUSHBULLET_TOKEN},
        json={"type": "note", "title": title, "body": body},
        timeout=10,
    )
