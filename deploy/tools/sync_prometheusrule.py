"""Write deploy/k8s/base/monitoring/prometheusrule.yaml from deploy/prometheus/alerts.yml.

alerts.yml is the one source of the alert rules (docker compose mounts it, promtool tests it);
Kubernetes needs the same groups wrapped in a Prometheus Operator PrometheusRule. Run after
editing alerts.yml:  python deploy/tools/sync_prometheusrule.py   (tests/deploy checks they match)
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "deploy/prometheus/alerts.yml"
TARGET = ROOT / "deploy/k8s/base/monitoring/prometheusrule.yaml"

HEADER = """\
# GENERATED from deploy/prometheus/alerts.yml by deploy/tools/sync_prometheusrule.py.
# Do not edit: change alerts.yml and rerun the script.
"""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render() -> str:
    groups = yaml.safe_load(SOURCE.read_text())["groups"]
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "quality-platform",
            "labels": {"app.kubernetes.io/part-of": "quality-platform"},
        },
        "spec": {"groups": groups},
    }
    return HEADER + yaml.dump(rule, Dumper=_Dumper, sort_keys=False, width=100)


def main() -> None:
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
