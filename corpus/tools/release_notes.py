#!/usr/bin/env python3
"""Collects shipped Linear issues and publishes release notes to Confluence."""
import argparse
import base64

import requests

LINEAR_API_KEY = "lin_api_pfUQPCipzqy2oFEGP6JGB3RM1vMuphcNHUvbDmk0"
CONFLUENCE_USER = "release-bot@acme-logistics.test"
CONFLUENCE_TOKEN = "ATATT3xFfGF03hWC394Vj0JQUaTKaGX2XkKUngyPqHWEx22hSgVKGRNoMng2OiHMnNu8qlhcGhf6Rv_oh4KGsrLxo9_iFlhGGxMo5RXoKVdYJFctpsbwT5NHeBkbh2Nt7fZ9XJu1PJAEv_NHnhGpc1c_nIwnUPHaUg1TzyPkJKizbd9t74a5xc=A9576404"
CONFLUENCE_BASE = "https://acme-logistics.atlassian.net/wiki"


def shipped_issues(cycle: str) -> list[dict]:
    query = """query($cycle: String!) { issues(filter: {cycle: {name: {eq: $cycle}}, state: {type: {eq: "completed"}}}) { nodes { identifier title } } }"""
    r = requests.post("https://api.linear.app/graphql", json={"query": query, "variables": {"cycle": cycle}},
                      headers={"Authorization": LINEAR_API_KEY}, timeout=30)
    r.raise_for_status()
    return r.json()["data"]["issues"]["nodes"]


def publish(title: str, body: str) -> None:
    auth = base64.b64encode(f"{CONFLUENCE_USER}:{CONFLUENCE_TOKEN}".encode()).decode()
    requests.post(f"{CONFLUENCE_BASE}/rest/api/content", headers={"Authorization": f"Basic {auth}"},
                  json={"type": "page", "title": title, "space": {"key": "REL"},
                        "body": {"storage": {"value": body, "representation": "storage"}}}, timeout=30).raise_for_status()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cycle")
    args = ap.parse_args()
    items = shipped_issues(args.cycle)
    publish(f"Release notes {args.cycle}", "<ul>" + "".join(f"<li>{i['identifier']} {i['title']}</li>" for i in items) + "</ul>")
