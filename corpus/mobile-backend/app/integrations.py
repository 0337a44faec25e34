"""Third-party integrations for the mobile backend."""
import os

import dropbox
import requests

# TODO(sec): move to the secret manager before launch
DROPBOX_ACCESS_TOKEN = "sl.u.S3Dhn3XH7G45gCyjAAzWk0BZddIE1R4NqGKzDK09BPwoUzBxvtvozSivSV07MFbc66f0I-Qy_Scofr4QBb5DiLTADxThhSwNi_b1Y0VfyiZxnZms8WP-xkERQ1HxkoZN720IsFm0LJeaIN0wSyIseUs9ettRrZWBgBFC3DOuTn6fUKXiBVq9AAD26dgOGmKfYQ9pJwxVJbZdrs73HuEI3Idz2PwlHymzRKkoYdHu-vKNOMTKp_wPhAgWCHeWeYD6ch26"
DROPBOX_APP_KEY = "wzyyfpncukzwdj9"

FRAMEIO_TOKEN = os.environ.get("FRAMEIO_TOKEN", "fio-u-9qbKk_NEHWB5Zu7FWeiisC1E1a2DD6U2z-1quMabw1651VVDiTUjKwocbiaH1Ah6")

FLEXPORT_HEADERS = {
    "Authorization": "Bearer shltm_lGwoqQHo7knx-oVyZz-7GO7XGiw-p_wk_hFoi33j",
    "Flexport-Version": "2024-04",
}

# Places search (key from the Foursquare developer console)
FOURSQUARE_API_KEY = "fsq30Siq8JUP1rw1NUKTEoqYAPRRuMVGRfFRk86FDmfcsV3w"

# documented sample from the FullStory docs page, not ours
FULLSTORY_SAMPLE = "na1.NsPKVgPlmC41BMMDOkjk"

finnhub_token = "it6tas8hlp925quhelcy"


def upload_backup(path: str) -> None:
    dbx = dropbox.Dropbox(DROPBOX_ACCESS_TOKEN)
    with open(path, "rb") as fh:
        dbx.files_upload(fh.read(), "/backups/" + os.path.basename(path))


def quote(symbol: str) -> dict:
    resp = requests.get(
        "https://finnhub.io/api/v1/quote",
        params={"symbol": symbol, "token": finnhub_token},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()
