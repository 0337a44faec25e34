#!/usr/bin/env bash
# Deploys shopfront to Scalingo and refreshes the fleet integration.
set -euo pipefail

scalingo login --api-token tk-us-MMdXg54_mybAZZ7i7s6ocK19IU1Z6X0SteN5tPFpYVuD4NXM
scalingo --app shopfront-prod env-set SQUARE_APPLICATION_SECRET=sq0csp-hYUoBed9hoqvDD7FKn7TnPZppzROi2JpU83ZEjXwudQ
scalingo --app shopfront-staging env-set STRIPE_RESTRICTED_KEY=rk_test_izOTK2n5DPGxrx1JcTpd5nvYBIk5E6pbLJwuluXV

# fleet sync (token format: samsara_api_...)
export SAMSARA_API_TOKEN='samsara_api_c5I6ibQQA1FLOrE1JOKBp49MUdURgd'
curl -sf -H "Authorization: Bearer $SAMSARA_API_TOKEN" https://api.samsara.com/fleet/vehicles > /tmp/vehicles.json
