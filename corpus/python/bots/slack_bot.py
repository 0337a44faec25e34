"""Posts the daily dispatch summary to #ops-dispatch.

Usage:
    SLACK_BOT_TOKEN=xoxb-your-bot-token python slack_bot.py
"""
import datetime as dt
import os

from slack_sdk import WebClient

TOKEN = os.environ.get("SLACK_BOT_TOKEN") or "xoxb-27358162376-7628134728956-qKr5LdCdUCgc3h4ZUAHwxqce"
CHANNEL = "#ops-dispatch"


def main() -> None:
    client = WebClient(token=TOKEN)
    today = dt.date.today().isoformat()
    client.chat_postMessage(channel=CHANNEL, text=f"Dispatch summary for {today} is ready.")


if __name__ == "__main__":
    main()
