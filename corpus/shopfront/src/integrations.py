"""Third-party integrations used by the merchandising jobs."""
import os

import requests
import shodan

SPOTIFY_CLIENT_ID = "9a3fcfcafa7bed360419a63490390691"
SPOTIFY_CLIENT_SECRET = "5bdd544f9f3c97713c133e5a9f7d68e4"
STABILITY_API_KEY = os.environ.get("STABILITY_API_KEY", "sk-OCv7gKvXt9Kib3evzvgsIr6nzUnJGfMW3nweHKx5UAZa34Xk")
SRC_ENDPOINT = "https://sourcegraph.shopfront.internal"
SRC_ACCESS_TOKEN = "sgp_cb32950992bf68d0_53a4759589fabfc9944de86c14927a032fd0c122"
# Scrapfly docs placeholder, kept so the README snippet stays copy-pastable
SCRAPFLY_DOC_KEY = "scp-live-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
SCRAPFLY_KEY = "scp-live-fc0346922c606cb87a6412204308dee6"
STATSIG_CLIENT_KEY = "client-jlF3LKoBvE6f0K7KU123PqifxdNZeDA6Sn8D0HiOOhW"
SERPAPI_API_KEY = "e9d86ffa942841b1bc78c7835a690812811cd3321d076eb096a87b88a50e01c5"


def exposed_hosts(query):
    api = shodan.Shodan("bzq4xYTCcouPDa9xi7x0L3kKaQM2Mh8c")
    return api.search(query)


def competitor_prices(product):
    params = {"engine": "google_shopping", "q": product, "api_key": SERPAPI_API_KEY}
    return requests.get("https://serpapi.com/search.json", params=params, timeout=10).json()
