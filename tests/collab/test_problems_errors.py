"""Unknown API paths and server errors answer problem documents too."""

import pytest


@pytest.mark.django_db
def test_an_unknown_api_path_answers_a_problem_document(client):
    response = client.get("/api/v1/no-such-resource/")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["instance"] == "/api/v1/no-such-resource/"


@pytest.mark.django_db
def test_an_unknown_page_answers_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_api_docs_page_has_no_inline_style_or_script(client):
    body = client.get("/api/v1/docs/").content.decode()

    assert "<style" not in body
    assert "css/swagger.css" in body
    assert "<script>" not in body
