#!/usr/bin/env bash
# Bootstraps a build node: joins the swarm, sets up Duo for SSH, configures backups.
set -euo pipefail

MANAGER=10.20.0.5:2377
docker swarm join --token SWMTKN-1-lhvua7a2wbkqcl0r5aypyok67zi0asmych1y5o1myrla7svbtg-tmnsbqybn9bli353ys6tpucon "$MANAGER"

cat > /etc/duo/login_duo.conf <<CONF
[duo]
ikey = DIPJXLSXPJS79TE3UFEQ
skey = jzAyYMTz6os0yutBhbyCm0mWI7L359bt6rlo71l6
host = api-a7f75dc1.duosecurity.com
failmode = safe
CONF

# object storage for nightly backups
export EXOSCALE_API_KEY=EXO310a1d723bfc01b2ae6b6dcc
export EXOSCALE_API_SECRET=iUvC_NhoqpohUttelOqzagrmLhKjhu3kX4_wwrrPM4k
export SPACES_KEY=DO00W5XW0RM44P5JJAMU
export SPACES_SECRET=PrW1PYwv2sPmQN98z74dNe8U2UHvzxr/q3hndiTlcDq

# overlay network enrollment
export DN_API_KEY=dnkey-UH6DNZLEOCMFRXFTDUX11NSOKA-H90VKNG6GYTW91D7HDL3C1NLOF60TECBLT6IK3UEUI86ANOGYZGE

# SBOM upload after provisioning
curl -sf -X POST https://dtrack.build.internal/api/v1/bom \
  -H "X-Api-Key: odt_COzDp9nQKW6Jm3omP6w3MUJKlnV4nb1L" \
  -F "projectName=build-node" -F "bom=@/var/lib/sbom/bom.json"

# secrets sync
export DOPPLER_TOKEN="${DOPPLER_TOKEN:?set DOPPLER_TOKEN}"
export DOPPLER_SCIM_TOKEN=dp.scim.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
