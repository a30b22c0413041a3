"""The app's start says what loading did to a messy dataset, one log line each (issue 15 part 1)."""

import logging

from hloop.services import Services
from hloop.ui.web import ensure_model
from tests.conftest import settings_in
from tests.data.messy import LABEL, TEXT, write_messy


def test_the_app_start_logs_the_hygiene(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="hloop.app")
    data = write_messy(tmp_path / "messy")
    ensure_model(Services(settings_in(tmp_path, dataset=str(data), text_column=TEXT, label_column=LABEL)))
    err = caplog.text
    assert "data: 8 repeated texts dropped" in err and "data: labels 'COMPUTERS', 'Computers' merged into" in err
    assert "v1 ready" in err
