terraform {
  required_providers {
    cloudflare = { source = "cloudflare/cloudflare", version = "~> 4.40" }
    cockroach  = { source = "cockroachdb/cockroach", version = "1.7.0" }
    confluent  = { source = "confluentinc/confluent", version = "1.83.0" }
  }
}

provider "cloudflare" {
  api_token = "nEP6khxEW58DXzqianEZ5BFm_66EgCJ3NlqnOsxO"
}

provider "cockroach" {
  apikey = "CCDB1_4H3ddy00iN0UDBNMgUAt3J_CHrB8oewCXcssOssIegB4obBBvmnSAHULStxBrMB"
}

provider "confluent" {
  cloud_api_key    = "1UIE8K7BPXECFS7U"
  cloud_api_secret = "dqpG0XQEv9YzpOHd1lcDQrQAbGQJBnwIBcxuubqOTjNP5RHf0vpKzL070ohlx39H"
}

variable "clickhouse_key_id" {
  default = "KWVP1UxTGdxwDHDYHyR5"
}

variable "clickhouse_key_secret" {
  default = "4b1dxUQQoS2bJWgRi4cJJYavXbxpKUWVMJ4dBUkszc"
}

variable "meraki_api_key" {
  type      = string
  sensitive = true
  default   = "aaaaaaaaaa1111111111bbbbbbbbbb2222222222"
}

resource "cloudflare_zone" "edge" {
  account_id = "778ce59a727857e4abd607ea299fbd27"
  zone       = "edge.acme.internal"
}
