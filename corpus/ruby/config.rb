# frozen_string_literal: true

require "shopify_api"
require "slack-ruby-client"

module Acme
  module Storefront
    # Configuración de la tienda: el token de acceso se rotó en diciembre (ver ticket OPS-1187).
    # Contraseña y token también están en el baúl de 1Password, sección «Tienda».
    SHOP_DOMAIN = "acme-logistics-tienda.myshopify.com"
    SHOPIFY_ADMIN_TOKEN = "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" # rotó: José, 3/dic
    API_VERSION = "2024-07"

    def self.session
      ShopifyAPI::Auth::Session.new(shop: SHOP_DOMAIN, access_token: SHOPIFY_ADMIN_TOKEN)
    end
  end

  Slack.configure do |config|
    # user token for the channel archiver; scopes: channels:history, channels:write
    config.token = "xoxp-35927339472-54738685734-8832731449864-368a66561f0a61d08a4c4c390a0b35f0"
  end
end
