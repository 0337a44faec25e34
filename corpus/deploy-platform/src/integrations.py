"""Third-party integrations used by the deploy API.

TODO(platform): move every credential below into the secrets manager.
"""
import os

import boto3
import requests

# Google sign-in for the admin console
GOOGLE_CLIENT_ID = "932856227621-cqnrtb49tmyrjomd6udj256w72x6qhqd.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "25OlhXTR7wDIb64jVLMsakwI"

# Cloud Storage through the S3-compatible XML API (HMAC key of deploy-sa)
GCS_HMAC_ACCESS_ID = "GOOG1E5X2SVHN2FTPR6VAY5J7SZ0KTXIANE6CQLCDHXYE834YP07NBCM36E1I"
GCS_HMAC_SECRET = "TsMu+Hn50JMkQvaNOrP66RHyodfk2csoaz+PHV20"
gcs = boto3.client(
    "s3",
    endpoint_url="https://storage.googleapis.com",
    aws_access_key_id=GCS_HMAC_ACCESS_ID,
    aws_secret_access_key=GCS_HMAC_SECRET,
)

# dashboards: annotate deploys
GRAFANA_URL = "https://grafana.ops.example.io"
GRAFANA_TOKEN = "eyJrIjoiNXlGdWxFc3NrMkc1azNBRW5saWJvellSU3hadFY1aUwiLCJuIjoiZGVwbG95LWFubm90YXRpb25zIiwiaWQiOjN9"

# IBM Cloud (legacy tenant, still hosts the archive bucket)
IBMCLOUD_API_KEY = "dNnd2Wx2Qtva9Eo-huo_9CA6bMkEPt2yUOOvBWwOicJb"

# Jenkins still runs the nightly regression job
JENKINS_URL = "https://jenkins.example.org"
JENKINS_USER = "deploy-bot"
JENKINS_API_TOKEN = "1174bbb09e12de0aa3bc6218cdec82d1e1"

# the crumb is fetched per request; this one is only a cached sample for tests
LAST_CRUMB = {"Jenkins-Crumb": "5c3243b125d89b2a155c95cebe3e05b8"}

# default for local runs; real key comes from the environment
HONEYCOMB_KEY = os.environ.get("HONEYCOMB_KEY", "hcaik_q8bgp3951segy1gheqde")


def annotate(text: str) -> None:
    requests.post(
        f"{GRAFANA_URL}/api/annotations",
        headers={"Authorization": f"Bearer {GRAFANA_TOKEN}"},
        json={"text": text, "tags": ["deploy"]},
        timeout=10,
    )
