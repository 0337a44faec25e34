terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.36"
    }
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.100"
    }
  }
  backend "remote" {
    organization = "acme-logistics"
    workspaces { name = "orders-prod" }
  }
}

# FIXME: temporary static credentials while the OIDC role is being set up
provider "aws" {
  region     = "eu-central-1"
  access_key = "AKIA7U4CHDNWIQUKR6YV"
  secret_key = "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"
}

provider "aws" {
  alias      = "dr"
  region     = "eu-west-1"
  secret_key = var.aws_secret_access_key
}

provider "digitalocean" {
  token = "dop_v1_efee821935b3482dec26176992d4ab5577133bfacd4d6992a98a18b3986a104a"
}

provider "azurerm" {
  features {}
  subscription_id = "7723fbd6-bad3-4208-b3d7-1e88e21a5b32"
  tenant_id       = "d8eaab47-5c04-41b4-9e7a-ad60879f8646"
}

resource "aws_s3_bucket" "invoices" {
  bucket = "acme-orders-invoices-prod"
  tags = {
    team        = "orders"
    cost-center = "cc-4410"
  }
}

resource "digitalocean_droplet" "bastion" {
  name   = "bastion-fra1"
  region = "fra1"
  size   = "s-1vcpu-1gb"
  image  = "ubuntu-22-04-x64"
}
