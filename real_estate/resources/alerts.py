"""Failure alerts to Slack through dagster-slack, or to the log when no token is configured."""

import logging

from dagster_slack import SlackResource
from slack_sdk import WebClient

SLACK_API_URL = "https://slack.com/api/"

log = logging.getLogger(__name__)


class SlackAlerts(SlackResource):
    """dagster-slack's resource, with a configurable API base URL (`SLACK_API_URL`) and channel.

    With an empty token (no `SLACK_BOT_TOKEN`), alerts are written to the log instead.
    """

    token: str = ""
    channel: str = "#data-alerts"
    api_url: str = SLACK_API_URL
    webserver_url: str = "http://127.0.0.1:3000"

    def get_client(self) -> WebClient:
        return WebClient(token=self.token, base_url=self.api_url.rstrip("/") + "/", timeout=10)

    def run_url(self, run_id: str) -> str:
        """The run's page in the Dagster UI."""
        return f"{self.webserver_url.rstrip('/')}/runs/{run_id}"

    def send(self, text: str) -> bool:
        """Post `text` to the channel; return whether it went to Slack (False: logged only)."""
        if not self.token:
            log.warning("Slack alert (no SLACK_BOT_TOKEN set, so logged only):\n%s", text)
            return False
        self.get_client().chat_postMessage(channel=self.channel, text=text)
        return True
