"""A browser that lands on a wrong address gets the page, in its language; API clients keep JSON."""

from __future__ import annotations

from tests.conftest import ApiClient

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FR = {**BROWSER, "Accept-Language": "fr-FR,fr;q=0.9"}


def test_an_unknown_address_shows_the_not_found_page(client: ApiClient) -> None:
    page = client.get("/no/such/page", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and "There is nothing at this address." in page.text
    assert '{"detail"' not in page.text
    french = client.get("/no/such/page", headers=FR)
    assert french.status_code == 404 and "Il n’y a rien à cette adresse." in french.text
    assert '<html lang="fr">' in french.text


def test_a_wrong_method_on_a_page_shows_the_error_page(client: ApiClient) -> None:
    page = client.put("/settings", headers=FR)
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    assert "Cette page ne s’utilise pas de cette façon." in page.text
    assert "GET" in page.headers["allow"]  # what the address does accept, as for API clients


def test_api_clients_keep_json_errors(client: ApiClient) -> None:
    api = client.get("/api/no-such-thing", headers=BROWSER)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    wanted_json = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert wanted_json.status_code == 404 and wanted_json.json() == {"detail": "Not Found"}
    wrong_method = client.put("/api/feed/foryou")
    assert wrong_method.status_code == 405 and wrong_method.json() == {"detail": "Method Not Allowed"}
    # The app's own errors follow the same rule: a browser asking for both gets the page.
    assert client.get("/v/nope", headers={"Accept": "application/json, text/html"}).headers[
        "content-type"].startswith("text/html")
