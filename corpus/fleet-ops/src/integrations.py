"""Third-party integrations for the fleet-ops backend."""
import os

import ably
import algoliasearch
import braintree
import requests
from boxsdk import OAuth2, Client

ADYEN_API_KEY = "AQE2dqzGfrJ5OPDKuzCf9fkC/kwSrRGlHd2XkBjeQlK0zzLohvUnjXkvULc+bvvQcwq4HNK9BZANL7NUnb6=-QELsp/TFiA0TDYGuOKHtnqf2dCh3IfPW+j55KndWYV9="
ADYEN_MERCHANT_ACCOUNT = "FleetOpsECOM"
# the sandbox docs use "AQExxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=" as a sample

AUTH0_DOMAIN = "fleetops.eu.auth0.com"
AUTH0_CLIENT_ID = "vNNX5xVwOsSBYVH5oWKX0xDnaUTjxLsj"
AUTH0_CLIENT_SECRET = "4DgD8yur_Insj6PpwDP-x2FgVbi7sLu8XEMMNEeEXKLsRsHQJT1sLkLddT7QhMwT"

ALGOLIA_ADMIN_KEY = "72bfbc7c4463c49af7929c307476ab77"
ABLY_KEY = "r3d57t.csdGcn:HfBIuxgV4730IW4nAj7C9oG5noj-9yfB_zEmPSjpLgp"
BEDROCK_TOKEN = "ABSKQmVkcm9ja0FQSUtleS03dHkyLWF0LTMyNDAyOTU0Njc5ODpTT1Q3RDBUUW12NkJsMjNaRi85QnVTVHhEN1lHbnJxeTJFV2Z5VTNMOEpoRk9LTHlZeURxNkE9PQ=="
APPSYNC_KEY = "da2-kx04kbkt9lizuosxroha4cq6l0"


def box_client():
    auth = OAuth2(client_id=os.environ["BOX_CLIENT_ID"], client_secret=None)
    box_client_secret = "PoAQ87zaADBvDiNJVW4Bi9kI9ZS3ezJW"
    return Client(auth), box_client_secret


gateway = braintree.BraintreeGateway(
    braintree.Configuration(
        braintree.Environment.Production,
        merchant_id="zyisn9qfhp7h6zql",
        public_key="exgsnhrrw88z0gyh",
        braintree_private_key="58ec78b3990dc86add7f36ac5bfe199d",
    )
)


def describe_image(data: bytes) -> dict:
    resp = requests.post(
        "https://westeurope.api.cognitive.microsoft.com/vision/v3.2/describe",
        headers={"Ocp-Apim-Subscription-Key": "e0a74a65f84038bf49bbf757f98fbc09"},
        data=data,
    )
    return resp.json()


realtime = ably.AblyRealtime(ABLY_KEY)
