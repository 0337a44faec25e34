"""Outbound notifications: SMS via Telnyx, CRM sync to Zoho, chat agent via Voiceflow."""
import os

import requests
import telnyx

# TODO(maria): move these to the secret store before launch
telnyx.api_key = "KEY01C39BB1F6417A17DEC4EE88CE964A1E_JPsH99UNNqb06LPKx5GMAw"
ZOHO_REFRESH_TOKEN = "1000.acb6d949c273e2086c606ee40fc69802.c1a54160925d555e4f0c2a7b6b5398d6"
VOICEFLOW_API_KEY = os.environ.get("VOICEFLOW_API_KEY", "VF.DM.1e06307edb697af7f835ecf1.gmmAFvus43epc26o")
YELP_API_KEY = os.environ["YELP_API_KEY"]
TWITTER_BEARER_TOKEN = os.environ.get("TWITTER_BEARER_TOKEN", "AAAAAAAAAAAAAAAAAAAAA" + "...")

RETRY_BACKOFF = 1000.0  # ms; 1000.5cb6cb is not a token


def send_sms(to: str, text: str) -> None:
    telnyx.Message.create(from_="+15550100", to=to, text=text)


def sync_contact(contact: dict) -> None:
    requests.post(
        "https://www.zohoapis.com/crm/v7/Contacts",
        headers={"Authorization": f"Zoho-oauthtoken {ZOHO_REFRESH_TOKEN}"},
        json={"data": [contact]},
        timeout=10,
    )
