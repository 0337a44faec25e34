environment       = "prod"
location          = "westeurope"
resource_group    = "rg-orders-prod"

# Service principal used by the nightly export job
export_client_id     = "0ac0374f-2fed-40d6-9aea-3227a89c52f9"
export_client_secret = "isB6Q~UKAMT.jKFu3f-vRYafg34O9MOoBu2JfiUP"

export_storage_connection_string = "DefaultEndpointsProtocol=https;AccountName=acmeordersexport;AccountKey=4as8jTDyrHus2rKY3zQUFA7RrNSDSs6XohOgZrsY5vHlrbs8rR/FqRibOXyr7Z7lwwRDh7fWIWrIURDZXOhNlw==;EndpointSuffix=core.windows.net"

alert_emails = ["oncall@acme-logistics.test", "platform@acme-logistics.test"]
