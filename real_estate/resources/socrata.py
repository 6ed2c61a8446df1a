"""The Socrata (SODA) source of the parks datasets; the bundled sample when no URL is set."""

import dagster as dg
import httpx

from real_estate.sample.parks import PARK_FEATURES_FILE, PARKS_ADDRESSES_FILE, load_bundled
from real_estate.sources.socrata import SocrataClient
from real_estate.sources.soda import SODA_MAX_LIMIT, soda_response

SAMPLE_BASE_URL = "http://bundled-sample.invalid"


def bundled_sample_transport(addresses_id: str, features_id: str) -> httpx.MockTransport:
    """Serve the bundled sample with SODA semantics in-process, so it takes the live code path."""
    datasets = {
        addresses_id: load_bundled(PARKS_ADDRESSES_FILE),
        features_id: load_bundled(PARK_FEATURES_FILE),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        status, body = soda_response(datasets, request.url.path, params)
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


class SocrataResource(dg.ConfigurableResource):
    """A SODA endpoint (e.g. https://data.seattle.gov) and the ids of the parks datasets."""

    base_url: str | None = None
    app_token: str | None = None
    page_size: int = SODA_MAX_LIMIT
    parks_addresses_id: str = "v5tj-kqhc"
    park_features_id: str = "xrnu-8eiq"
    max_retry_seconds: float = 120.0

    @property
    def is_sample(self) -> bool:
        return not self.base_url

    def client(self) -> SocrataClient:
        """A client for the configured endpoint, or for the bundled sample."""
        transport = None
        if self.is_sample:
            transport = bundled_sample_transport(self.parks_addresses_id, self.park_features_id)
        return SocrataClient(
            base_url=self.base_url or SAMPLE_BASE_URL,
            app_token=self.app_token,
            page_size=self.page_size,
            max_retry_seconds=self.max_retry_seconds,
            transport=transport,
        )
