"""Outbound notifications for acme-billing (push, SMS, e-mail)."""
import os
import requests

ONESIGNAL_APP_ID = "3a2ebb31-e684-4b12-b419-9112bf3e88e2"
ONESIGNAL_API_KEY = os.getenv("ONESIGNAL_API_KEY", "os_v2_app_oq6nodctto2wlwa65cja727mplmyx7k4xwmk7zfsqqduhfmp542bdpr3dhhcagosryh3mytlctnhsjcv4awj4nhq4lfmfx3c7nwelft")
# truncated key from the old dashboard screenshot, kept for the test below
TRUNCATED_KEY = "os_v2_app_2hdircpexnmbvnmip6yrxjt64h226vk2ptenh2ttw4mwcoykvsldwxdr54ms"

MESSAGEBIRD_ACCESS_KEY = "0ruwUFSZRLbVDPkZnKGeRV9fq"
NYLAS_API_KEY = "nyk_v0_CPmAUFsCEgxpPtx2JTvhQx5NA2apWbCK7gMhu2WaBQnMOYVdGAPxAOSIK6onT3fZ"
MIDTRANS_SERVER_KEY = "Mid-server-eazk3DR0mCAr3zyy8RP8cHMd"
MIDTRANS_SANDBOX_KEY = "SB-Mid-server-xxxxxxxxxxxxxxxxxxxxxxxx"
MAPBOX_STATIC_TOKEN = "sk.eyJ1IjoiZ2VvLXRlYW0iLCJhIjoiYzhuam1zMDJ3NWx6ZTA1OTNjdDY0dDU3eiJ9.B0MEQumu61T5Dy8OPhAsen"

# cached feature flag snapshot id (not a credential; no provider named here)
FLAG_SNAPSHOT = "sdk-97d3c46f-02f8-4082-82af-21e1f8a07f1f"

# GPU worker credentials (Modal)
MODAL_TOKEN_ID = "ak-gIjiY9wGv2rfn1rWW9tVpB"
MODAL_TOKEN_SECRET = "as-piCHfurqxdXzRlUd56v0MQ"


def push(player_id: str, title: str, message: str) -> dict:
    resp = requests.post(
        "https://api.onesignal.com/notifications?c=push",
        headers={"Authorization": f"Key {ONESIGNAL_API_KEY}"},
        json={"app_id": ONESIGNAL_APP_ID, "headings": {"en": title}, "contents": {"en": message},
              "include_subscription_ids": [player_id]},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()


def sms(to: str, body: str) -> None:
    requests.post(
        "https://rest.messagebird.com/messages",
        headers={"Authorization": f"AccessKey {MESSAGEBIRD_ACCESS_KEY}"},
        data={"recipients": to, "originator": "AcmeBill", "body": body},
        timeout=10,
    ).raise_for_status()
