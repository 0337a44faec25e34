"""Outbound notifications for the edge platform."""
import os

import requests
from trycourier import Courier

COURIER_TOKEN = "pk_prod_FBYY3R4OB8YSA0YDL62SWU3TC1RU"
CAL_API_KEY = os.environ.get("CAL_API_KEY", "cal_live_b9e4b1f81aab899b931e2cabafe23afe")
CARTESIA_API_KEY = "sk_car_mcUwep7oRBkfnKeXCLI7M8"

# Contentful: the management token is only used by the migration script
CONTENTFUL_MANAGEMENT_TOKEN = "CFPAT-b9mDF8fqOk4Dyg4nx9Igamz9bB-GLiIUcRdboQav4KE"
CONTENTFUL_SPACE_ID = "qujbgbwuhxaf"


def charge_link(amount_cents: int) -> str:
    r = requests.post(
        "https://api.commerce.coinbase.com/charges",
        headers={"X-CC-Api-Key": "d8e6c07f-793a-4e33-8b09-ad6486db179c", "X-CC-Version": "2018-03-22"},
        json={"pricing_type": "fixed_price", "local_price": {"amount": amount_cents / 100, "currency": "USD"}},
        timeout=10,
    )
    r.raise_for_status()
    return r.json()["data"]["hosted_url"]


def notify(user_id: str, template: str) -> None:
    Courier(authorization_token=COURIER_TOKEN).send(message={"to": {"user_id": user_id}, "template": template})


# Checkly monitors this endpoint; key kept here for the smoke script
CHECKLY_API_KEY = "cu_21a082fc6d200e95546317b04500b04d"
CLOCKIFY_API_KEY = "your_clockify_api_key"
