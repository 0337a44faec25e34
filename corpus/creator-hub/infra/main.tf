terraform {
  required_providers {
    vultr  = { source = "vultr/vultr" }
    yandex = { source = "yandex-cloud/yandex" }
  }
}

provider "vultr" {
  api_key     = "TJR5FW7JZ27P54DQE987Z3MQHAIVXTMAHAST"
  rate_limit  = 100
  retry_limit = 3
}

provider "yandex" {
  token     = "y0_Age9V5hLkPsJJwUWkisjtZHo5L7f8zMJmhVA4s5VSNrSgYKA41KLef"
  cloud_id  = "b1gnctcukpodf49hdp48"
  folder_id = "b1gvkqxkcmp69cduurvq"
  zone      = "ru-central1-a"
}

variable "speechkit_api_key" {
  default = "AQVNpuwjqKgBGHgcAWvpqIIi5hqwOtvQ9PMP06CG"
}

variable "cos_secret_id" {
  default = "AKID8q7DTmsXhsP3QqVG5n551rMBLtS58r8i"
}

variable "zerotier_central_token" {
  default = "${ZEROTIER_CENTRAL_TOKEN}"
}
