"""`make sweep` (local/sweeper.py): which stack it asks, the day it checks before asking, what it
says when the stack is not there or refuses, and the outbox folder each run writes.

No network here: ``main`` is given a fake ``send`` in place of the HTTP POST, and the outbox is
written from fake SES messages into a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from local import run as local_run
from local.sweeper import (
    Answer,
    NoAnswerError,
    _write_outbox,
    main,
    read_stack_state,
    resolve_target,
    run_folder,
    safe_file_name,
)

DAY = date(2026, 10, 12)
AT_0930 = datetime(2026, 10, 12, 9, 30, 5)  # noqa: DTZ001 - the local wall clock of a run


# --- helpers -------------------------------------------------------------------------------


def ended_pid() -> int:
    """The id of a process that has run and been reaped: no process has it now."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def state_file(tmp_path: Path, *, port: int, pid: int) -> Path:
    path = tmp_path / ".local-stack.json"
    path.write_text(
        json.dumps({"port": port, "url": f"http://127.0.0.1:{port}", "pid": pid}), "utf-8"
    )
    return path


class Sender:
    """A fake POST: records the URLs asked, answers with ``answer`` or raises ``error``."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None) -> None:
        self.answer = answer
        self.error = error
        self.urls: list[str] = []

    def __call__(self, url: str) -> Answer:
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        assert self.answer is not None
        return self.answer


def never_called(url: str) -> Answer:
    raise AssertionError(f"nothing may be sent, but {url} was asked")


class SentMessage:
    """What moto's SES keeps of a sent message: its id and the raw MIME text."""

    def __init__(self, raw_data: str, id: str = "0100019a-5f3c-4b1e-9d2a-7c1e5a6b8f90") -> None:
        self.raw_data = raw_data
        self.id = id


def digest_email(to: str, subject: str, attachments: dict[str, bytes]) -> str:
    """A multipart/mixed digest: text and HTML alternatives, then text/csv attachments."""
    message = EmailMessage()
    message["From"] = "reminders@compliance.example.cn"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("两项义务即将到期 / two obligations fall due")
    message.add_alternative(
        "<p>两项义务即将到期</p><p>two obligations fall due</p>", subtype="html"
    )
    for filename, data in attachments.items():
        message.add_attachment(data, maintype="text", subtype="csv", filename=filename)
    assert message.get_content_type() == "multipart/mixed"
    return message.as_string()


CSV = "obligation,rule,due\r\nob_bf47fec74d2f3a09ce2ea1ba,SALES_TRACE_UPLOAD,2026-10-15\r\n"


# --- which stack is asked ------------------------------------------------------------------


def test_a_state_file_naming_a_live_process_gives_its_port(tmp_path: Path) -> None:
    # Given `make run` on port 3917 recorded itself (its process is alive: this one)
    path = state_file(tmp_path, port=3917, pid=os.getpid())
    # When the port is resolved with neither --port nor $PORT
    target = resolve_target(None, {}, path)
    # Then it is the state file's
    assert (target.port, target.source, target.url) == (
        3917,
        ".local-stack.json",
        "http://127.0.0.1:3917",
    )


def test_a_state_file_whose_process_has_ended_is_ignored_for_port_3000(tmp_path: Path) -> None:
    # Given a state file left by a stack that was killed
    path = state_file(tmp_path, port=3917, pid=ended_pid())
    # When the port is resolved
    target = resolve_target(None, {}, path)
    # Then the default port is asked, and the stale file is remembered for the message
    assert (target.port, target.source) == (3000, "the default")
    assert target.state is not None
    assert target.state.port == 3917
    assert not target.state_alive


def test_port_option_beats_port_variable_which_beats_the_state_file(tmp_path: Path) -> None:
    # Given a live stack recorded on 3917 and PORT=3100 in the environment
    path = state_file(tmp_path, port=3917, pid=os.getpid())
    environ = {"PORT": "3100"}
    # When resolved with and without --port
    # Then --port wins, then $PORT
    assert resolve_target(4000, environ, path).port == 4000
    assert resolve_target(4000, environ, path).source == "--port"
    assert resolve_target(None, environ, path).port == 3100
    assert resolve_target(None, environ, path).source == "$PORT"
    assert resolve_target(None, {"PORT": ""}, path).port == 3917


def test_no_state_file_and_no_port_means_port_3000(tmp_path: Path) -> None:
    target = resolve_target(None, {}, tmp_path / "absent.json")
    assert (target.port, target.state) == (3000, None)


def test_an_unreadable_state_file_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / ".local-stack.json"
    path.write_text("{not json", "utf-8")
    assert read_stack_state(path) is None
    path.write_text(json.dumps({"port": "x", "pid": 1, "url": ""}), "utf-8")
    assert read_stack_state(path) is None


def test_main_asks_the_stack_the_state_file_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a live stack recorded on 3917, and a stack there that sweeps
    path = state_file(tmp_path, port=3917, pid=os.getpid())
    send = Sender(Answer(200, {"sweep": {"sweep_date": "2026-10-12"}, "emails": 0, "outbox": ""}))
    # When `make sweep TODAY=2026-10-12` runs in a shell without PORT
    status = main(["--today", "2026-10-12"], environ={}, state_file=path, send=send)
    # Then the sweep went to that port, for that day
    assert status == 0, capsys.readouterr().out
    assert send.urls == ["http://127.0.0.1:3917/_local/sweep?today=2026-10-12"]


def test_a_bad_port_variable_is_reported_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["--today", "2026-10-12"],
        environ={"PORT": "abc"},
        state_file=tmp_path / "none.json",
        send=never_called,
    )
    assert status == 2
    assert (
        capsys.readouterr().out
        == "sweep: PORT=abc is not a port number; write it as e.g. PORT=3100\n"
    )


def test_a_stack_records_itself_and_removes_only_its_own_state_file(tmp_path: Path) -> None:
    # Given no state file
    path = tmp_path / ".local-stack.json"
    # When this process records itself as a stack on 3917
    assert local_run.write_stack_state("http://127.0.0.1:3917", 3917, path)
    # Then make sweep finds it there
    state = read_stack_state(path)
    assert state is not None
    assert (state.port, state.url, state.pid) == (3917, "http://127.0.0.1:3917", os.getpid())
    assert resolve_target(None, {}, path).port == 3917
    # And a clean stop removes the file
    local_run.remove_stack_state(path)
    assert not path.exists()


def test_a_second_stack_leaves_a_running_stacks_state_file_alone(tmp_path: Path) -> None:
    # Given the state file of another stack that is still running (the parent process)
    path = state_file(tmp_path, port=3000, pid=os.getppid())
    before = path.read_text("utf-8")
    # When this process starts a stack on 3917
    written = local_run.write_stack_state("http://127.0.0.1:3917", 3917, path)
    # Then it does not take the file over, and stopping it does not remove the other's
    assert not written
    local_run.remove_stack_state(path)
    assert path.read_text("utf-8") == before


def test_a_stale_state_file_is_taken_over(tmp_path: Path) -> None:
    path = state_file(tmp_path, port=3000, pid=ended_pid())
    assert local_run.write_stack_state("http://127.0.0.1:3917", 3917, path)
    state = read_stack_state(path)
    assert state is not None
    assert (state.port, state.pid) == (3917, os.getpid())


# --- nothing answers, or the stack refuses -------------------------------------------------


def test_when_nothing_answers_it_says_which_url_it_tried_and_how_to_start_the_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a state file whose stack was killed, and nothing listening on port 3000
    path = state_file(tmp_path, port=3100, pid=ended_pid())
    send = Sender(error=NoAnswerError("[Errno 111] Connection refused", refused=True))
    # When make sweep runs
    status = main(["--today", "2026-10-12"], environ={}, state_file=path, send=send)
    out = capsys.readouterr().out
    # Then it names the URL it tried, says make run starts the stack, and what the file said
    assert status == 1
    assert send.urls == ["http://127.0.0.1:3000/_local/sweep?today=2026-10-12"]
    assert "nothing answers at http://127.0.0.1:3000" in out
    assert "`make run` starts the local stack" in out
    assert ".local-stack.json names port 3100, but its process" in out
    assert "has ended" in out


def test_when_the_named_port_is_not_the_running_stacks_it_points_to_the_right_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a live stack on 3917 and PORT=3999 where nothing listens
    path = state_file(tmp_path, port=3917, pid=os.getpid())
    send = Sender(error=NoAnswerError("[Errno 111] Connection refused", refused=True))
    # When make sweep runs
    status = main(["--today", "2026-10-12"], environ={"PORT": "3999"}, state_file=path, send=send)
    out = capsys.readouterr().out
    # Then it says where it asked, and where the running stack is
    assert status == 1
    assert "nothing answers at http://127.0.0.1:3999 (port from $PORT)" in out
    assert "names a running stack on port 3917" in out


def test_a_dropped_connection_is_not_reported_as_a_missing_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack that closes the connection (its sweep raised)
    send = Sender(error=NoAnswerError("the connection closed", refused=False))
    status = main(
        ["--today", "2026-10-12"], environ={}, state_file=tmp_path / "none.json", send=send
    )
    out = capsys.readouterr().out
    # Then the message sends the reader to the stack's terminal, not to `make run`
    assert status == 1
    assert "gave no answer" in out
    assert "the `make run` terminal shows why" in out
    assert "starts the local stack" not in out


def test_a_4xx_answer_is_shown_with_the_servers_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack that refuses the day with a message
    refusal = "today=2026-10-12 is not a day this stack sweeps"
    send = Sender(Answer(400, {"message": refusal}))
    # When make sweep runs
    status = main(
        ["--today", "2026-10-12"], environ={}, state_file=tmp_path / "none.json", send=send
    )
    out = capsys.readouterr().out
    # Then the server's message is shown, and nothing suggests the stack is not running
    assert status == 2
    assert out == f"sweep: the stack at http://127.0.0.1:3000 refused TODAY=2026-10-12: {refusal}\n"


def test_a_5xx_answer_points_at_the_stacks_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    send = Sender(Answer(500, {"message": "Internal Server Error"}))
    status = main(
        ["--today", "2026-10-12"], environ={}, state_file=tmp_path / "none.json", send=send
    )
    out = capsys.readouterr().out
    assert status == 1
    assert "failed (HTTP 500: Internal Server Error)" in out
    assert "starts the local stack" not in out


# --- TODAY is checked first ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "message"),
    [
        (
            "2026-13-01",
            "sweep: TODAY=2026-13-01 is not a date; write it as YYYY-MM-DD, e.g. TODAY=2026-10-12",
        ),
        (
            "tomorrow",
            "sweep: TODAY=tomorrow is not a date; write it as YYYY-MM-DD, e.g. TODAY=2026-10-12",
        ),
        (
            "2026-02-30",
            "sweep: TODAY=2026-02-30 is not a date; write it as YYYY-MM-DD, e.g. TODAY=2026-10-12",
        ),
        (
            "20261012",
            "sweep: TODAY=20261012 is not a date; write it as YYYY-MM-DD, e.g. TODAY=2026-10-12",
        ),
        (
            "2100-01-01",
            "sweep: TODAY=2100-01-01 is outside the working-day calendar, which covers "
            "2004-01-01 to 2099-12-31",
        ),
        (
            "2003-12-31",
            "sweep: TODAY=2003-12-31 is outside the working-day calendar, which covers "
            "2004-01-01 to 2099-12-31",
        ),
    ],
)
def test_a_bad_today_is_refused_with_exit_2_before_any_request(
    today: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a TODAY that is not a day the calendar covers
    # When make sweep runs (a live stack recorded, so a request would have somewhere to go)
    path = state_file(tmp_path, port=3917, pid=os.getpid())
    status = main(["--today", today], environ={}, state_file=path, send=never_called)
    # Then it says what is wrong and how to write it, exits 2 and sends nothing
    assert status == 2
    assert capsys.readouterr().out == message + "\n"


def test_an_old_shaped_report_still_prints_the_day_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a report without sweep_date (another shape of the sweep handler's answer)
    send = Sender(Answer(200, {"sweep": {"items_read": 5}, "emails": 2, "outbox": "x"}))
    status = main(
        ["--today", "2026-10-12"], environ={}, state_file=tmp_path / "none.json", send=send
    )
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert lines[:2] == ["swept 2026-10-12: items_read=5", "sent 2 emails; outbox: x/"]


def test_the_first_and_last_supported_days_are_accepted(tmp_path: Path) -> None:
    for today in ("2004-01-01", "2099-12-31"):
        send = Sender(Answer(200, {"sweep": {}, "emails": 0, "outbox": ""}))
        status = main(["--today", today], environ={}, state_file=tmp_path / "none.json", send=send)
        assert status == 0
        assert send.urls == [f"http://127.0.0.1:3000/_local/sweep?today={today}"]


# --- what a sweep prints -------------------------------------------------------------------


def test_the_summary_prints_whatever_the_sweep_reports_and_one_line_per_email(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack whose sweep report has keys this command does not know in advance
    folder = tmp_path / "outbox" / "2026-10-12" / "run-001-093005"
    answer = {
        "sweep": {"sweep_date": "2026-10-12", "enterprises_queued": 3, "parts": 4},
        "emails": 1,
        "failed_messages": [],
        "outbox": str(folder),
        "files": [str(folder / "a.eml"), str(folder / "a.html"), str(folder / "a--d.csv")],
        "messages": [
            {
                "recipient": "zhang.wei@fzmotors.example.cn",
                "subject": "【合规提醒】2 项义务",
                "files": [str(folder / "a.eml"), str(folder / "a.html"), str(folder / "a--d.csv")],
            }
        ],
    }
    send = Sender(Answer(200, answer))
    # When make sweep runs
    status = main(
        ["--today", "2026-10-12"], environ={}, state_file=tmp_path / "none.json", send=send
    )
    lines = capsys.readouterr().out.splitlines()
    # Then the report's keys are printed as they come, then the run's folder and the email
    assert status == 0
    assert lines[0] == "swept 2026-10-12: enterprises_queued=3, parts=4"
    assert lines[1].startswith("sent 1 email; outbox: ")
    assert lines[1].endswith("outbox/2026-10-12/run-001-093005/")
    assert lines[2] == (
        "  zhang.wei@fzmotors.example.cn  '【合规提醒】2 项义务'  a.eml, a.html, a--d.csv"
    )
    assert len(lines) == 3


# --- the outbox ----------------------------------------------------------------------------


def test_each_run_writes_into_a_new_sortable_folder_of_the_day(tmp_path: Path) -> None:
    # Given an outbox where the day already has runs 1 and 7
    (tmp_path / "2026-10-12" / "run-001-080000").mkdir(parents=True)
    (tmp_path / "2026-10-12" / "run-007-090000").mkdir()
    # When two more runs start at 09:30:05
    first = run_folder(DAY, outbox=tmp_path, now=AT_0930)
    second = run_folder(DAY, outbox=tmp_path, now=AT_0930)
    # Then each gets a folder of its own, numbered after the last, which sort in run order
    assert first == tmp_path / "2026-10-12" / "run-008-093005"
    assert second == tmp_path / "2026-10-12" / "run-009-093005"
    runs = sorted(p.name for p in (tmp_path / "2026-10-12").iterdir())
    assert runs == ["run-001-080000", "run-007-090000", "run-008-093005", "run-009-093005"]


def test_an_email_with_a_csv_attachment_is_written_as_eml_html_and_csv(tmp_path: Path) -> None:
    # Given one sent multipart/mixed digest with a CSV attachment
    raw = digest_email(
        "zhang.wei@fzmotors.example.cn",
        "【合规提醒】2 项义务 / 2 obligations",
        {"reminders-2026-10-12.csv": CSV.encode()},
    )
    # When the run's outbox is written
    written = _write_outbox(DAY, [SentMessage(raw)], outbox=tmp_path, now=AT_0930)
    # Then one folder holds the .eml, the .html and the .csv, side by side
    assert written.folder == tmp_path / "2026-10-12" / "run-001-093005"
    [sent] = written.emails
    assert sent.recipient == "zhang.wei@fzmotors.example.cn"
    assert sent.subject == "【合规提醒】2 项义务 / 2 obligations"
    stem = "zhang.wei@fzmotors.example.cn--0100019a-5f3"
    assert [p.name for p in sent.files] == [
        f"{stem}.eml",
        f"{stem}.html",
        f"{stem}--reminders-2026-10-12.csv",
    ]
    assert all(p.parent == written.folder for p in sent.files)
    assert written.files == list(sent.files)
    # And the .eml is exactly what SES received, the .html its HTML part, the .csv the bytes sent
    eml, page, csv = sent.files
    assert eml.read_text("utf-8") == raw
    assert "<p>two obligations fall due</p>" in page.read_text("utf-8")
    assert csv.read_bytes() == CSV.encode()


def test_attachment_names_are_sanitised_and_kept_inside_the_run_folder(tmp_path: Path) -> None:
    # Given attachments named with a path, a hidden name, Chinese, and the same name twice
    message = EmailMessage()
    message["To"] = "li.na@ningde.example.cn"
    message["Subject"] = "digest"
    message.set_content("text only")
    for filename in ("../../etc/passwd", ".bashrc", "提醒 清单.csv", "提醒 清单.csv"):
        message.add_attachment(b"x", maintype="text", subtype="csv", filename=filename)
    # When written
    written = _write_outbox(DAY, [SentMessage(message.as_string(), id="m1")], outbox=tmp_path)
    [sent] = written.emails
    names = [p.name for p in sent.files]
    # Then no name leaves the folder or hides, and none overwrites another
    assert names == [
        "li.na@ningde.example.cn--m1.eml",
        "li.na@ningde.example.cn--m1--passwd",
        "li.na@ningde.example.cn--m1--bashrc",
        "li.na@ningde.example.cn--m1--提醒_清单.csv",
        "li.na@ningde.example.cn--m1--提醒_清单-2.csv",
    ]
    assert all(p.parent == written.folder and p.is_file() for p in sent.files)
    assert not (tmp_path / "etc").exists()


def test_messages_without_raw_data_are_skipped_and_the_run_folder_still_exists(
    tmp_path: Path,
) -> None:
    written = _write_outbox(DAY, [object()], outbox=tmp_path, now=AT_0930)
    assert written.emails == ()
    assert written.folder.is_dir()
    assert re.fullmatch(r"run-\d{3}-\d{6}", written.folder.name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.csv", "report.csv"),
        ("a/b\\c.csv", "c.csv"),
        ("..", "unnamed"),
        ("", "unnamed"),
        ("we ird:na*me?.csv", "we_ird_na_me_.csv"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected
