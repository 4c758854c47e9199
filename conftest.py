"""Fixtures every test file may use: a clean environment, settings with a private cache, a test
client of the app, and the fake model with a client of an app that uses it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import main
from testkit import SETTINGS_ENV, FakeModel, llm_settings_for, make_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """The machine's environment must not steer the service under test."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def client(settings):
    with TestClient(main.create_app(settings)) as c:
        yield c


@pytest.fixture
def fake_model():
    fake = FakeModel()
    yield fake
    fake.close()


@pytest.fixture
def llm_settings(tmp_path, fake_model):
    return llm_settings_for(tmp_path, fake_model)


@pytest.fixture
def llm_client(llm_settings):
    with TestClient(main.create_app(llm_settings)) as c:
        yield c
