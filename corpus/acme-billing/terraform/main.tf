terraform {
  required_providers {
    linode       = { source = "linode/linode", version = "~> 2.5" }
    mongodbatlas = { source = "mongodb/mongodbatlas", version = "~> 1.15" }
  }
}

provider "linode" {
  token = "3bd5b43f8295d82bc602d71e8922e5cbb4799ba07bd096f04a34421c9863ef57"
}

provider "linode" {
  alias = "dr"
  token = var.linode_token
}

provider "mongodbatlas" {
  public_key  = "wnfjvhov"
  private_key = "ac1ea130-2633-451a-9d60-416e3dd0c214"
}

# service account used by the backup job
locals {
  atlas_sa_client_id     = "mdb_sa_id_965957013b69fa0e263c5d28"
  atlas_sa_client_secret = "mdb_sa_sk_N3ZAy0GJ_CZI-X-l58ji6nkGZ-Yy2jp65eDxtO1r"
}

resource "linode_instance" "billing" {
  label  = "billing-prod-1"
  region = "eu-central"
  type   = "g6-standard-2"
  image  = "linode/debian12"
}
