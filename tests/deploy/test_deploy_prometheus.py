"""Alert rules: `promtool check rules`, the unit tests in alerts.test.yml (`promtool test
rules`), the compose Prometheus configuration (`promtool check config`), and coverage of the
alerts the platform promises."""

from __future__ import annotations

import subprocess

import yaml

from tests.deploy.helpers import DEPLOY

PROMETHEUS = DEPLOY / "prometheus"
REQUIRED_ALERTS = {
    "OutboxBacklogGrowing",
    "OutboxPublishLagHigh",
    "ConsumerLagHigh",
    "DeadLetterQueueNotEmpty",
    "InspectionPublicationsOverdue",
    "ApiErrorBudgetBurnFast",
    "ApiErrorBudgetBurnSlow",
    "ApiLatencyBudgetBurnFast",
    "ApiLatencyBudgetBurnSlow",
    "WorkingCalendarOfficialCoverageEnding",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=240, cwd=PROMETHEUS
    )  # loaded 2-core CI


def test_promtool_check_rules(promtool: str) -> None:
    proc = run(promtool, "check", "rules", "alerts.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_promtool_unit_tests(promtool: str) -> None:
    proc = run(promtool, "test", "rules", "alerts.test.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tested = {
        case["alertname"]
        for test in yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert len(tested) >= 2
    assert {
        "DeadLetterQueueNotEmpty",
        "InspectionPublicationsOverdue",
        "WorkingCalendarOfficialCoverageEnding",
    } <= tested


def test_promtool_check_compose_config(promtool: str) -> None:
    proc = run(promtool, "check", "config", "prometheus.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_promised_alerts_exist_with_severity_and_summary() -> None:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    alerts = {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}
    assert set(alerts) >= REQUIRED_ALERTS
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
    # The metric names the code exports.
    text = (PROMETHEUS / "alerts.yml").read_text()
    for metric in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "outbox_backlog",
        "outbox_publish_lag_seconds",
        "consumer_lag",
        "consumer_dead_lettered_total",
        "consumer_processed_total",
        "inspection_publications_overdue",
        "working_calendar_last_official_day_timestamp_seconds",
    ):
        assert metric in text, metric
    # SLO alerts are per API: they keep the `service` label.
    for name in ("ApiErrorBudgetBurnFast", "ApiLatencyBudgetBurnFast"):
        assert "by (service)" in text and "service:" in alerts[name]["expr"]
